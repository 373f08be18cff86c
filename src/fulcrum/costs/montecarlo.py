"""Uncertainty: vectorised Monte Carlo over input ranges, and a tornado table.

Ranged inputs (``[uncertainty]`` in a scenario, each ``name = [low, high]``) are drawn from a
triangular distribution with its mode at the scenario's own value (uniform when that value
lies outside the range). Every option's monthly cost is recomputed for all draws at once
with numpy, so 100,000 draws take milliseconds. Money here is float: these are
distributions of estimates, not amounts to bill.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fulcrum.catalog import Catalog
from fulcrum.costs.decision import Decision, OptionResult
from fulcrum.costs.evaluate import option_tco, tax_for_model
from fulcrum.costs.hybridtax import factor_of, tax_exponent
from fulcrum.costs.scenario import Scenario
from fulcrum.costs.tornado import cents, runner_up, tornado
from fulcrum.costs.uncertainty import DEFAULT_DRAWS, parse_ranges
from fulcrum.tables import Table

Floats = npt.NDArray[np.float64]
Values = Mapping[str, Floats | float]


@dataclass(frozen=True)
class OptionModel:
    """One option's monthly cost as a function of the ranged inputs."""

    name: str
    kind: str
    api_share: float  # fraction of the API bill still paid
    hardware: float  # amortized hardware + uplift per month (x boxes)
    fixed: float  # setup per month (x boxes)
    maintenance: float  # maintenance + operations per month (x boxes)
    electricity: float  # electricity $ per month at the point's tariffs (x boxes)
    tax_per_minute: float  # $ per rework minute per unit failure rate, per month (x factor)
    failure: float | None  # fixed extra failure rate; None = drawn, x ``scale``
    api_ratio: float = 1.0
    scale: float = 1.0  # this option's point gap / the drawn input's mode (its own centre)
    api_by_share: bool = False  # a hybrid on per-token API: the bill shrinks by local_share
    tax_exponent: float | None = None  # a hybrid: its tax x local_share ** this (hybridtax)
    tariff: float = 0.0  # the scenario's usd_per_kwh: a drawn tariff scales by draw / this

    def monthly(self, v: Values, base_api: float) -> Floats | float:
        api_part = base_api * v["api_monthly_factor"] * self.api_ratio
        api_cost = api_part * ((1.0 - v["local_share"]) if self.api_by_share else self.api_share)
        local = (
            self.hardware * v["hardware_price_factor"]
            + self.fixed
            + self.maintenance * v["maintenance_hours_factor"]
            + self.electricity * self._tariff_factor(v)
        )
        failure = v["extra_failure_rate"] * self.scale if self.failure is None else self.failure
        tax = self.tax_per_minute * failure * v["rework_minutes"]
        if self.tax_exponent is not None:
            tax = tax * v["local_share"] ** self.tax_exponent
        result: Floats | float = api_cost + local + tax
        return result

    def _tariff_factor(self, v: Values) -> Floats | float:
        """The drawn tariff over the point's: an option with its own usd_per_kwh moves with
        the scenario's tariff, and free power (a tariff of 0) stays free."""
        return v["usd_per_kwh"] / self.tariff if self.tariff > 0 else 1.0


def _models(
    sc: Scenario, catalog: Catalog, d: Decision
) -> tuple[list[OptionModel], dict[str, float]]:
    base: dict[str, float] = {
        "usd_per_kwh": float(sc.usd_per_kwh),
        "api_monthly_factor": 1.0,
        "hardware_price_factor": 1.0,
        "maintenance_hours_factor": 1.0,
        "extra_failure_rate": 0.0,
        "rework_minutes": float(sc.capability.rework_minutes) if sc.capability else 0.0,
        "local_share": float((sc.section("hybrid") or {}).get("local_share", 0.65)),
    }
    exponent = tax_exponent(factor_of(sc.section("hybrid")))
    models: list[OptionModel] = []
    boxes = {opt.name for opt in sc.options}
    api = float(d.options[0].money_monthly)
    for o in d.options:
        if not any(o.name == b or o.name.startswith(b + " +") for b in boxes):
            models.append(_priced_model(sc, o, api, base))
    points = {opt.name: tax_for_model(sc, catalog, opt.local_model) for opt in sc.options}
    mode = max((float(t.extra_failure_rate) for t in points.values() if t), default=0.0)
    base["extra_failure_rate"] = mode
    seats = sc.api.plan is not None  # a plan is a seat price: not pro-rated in a hybrid
    for opt in sc.options:
        t = option_tco(sc, opt)
        months = float(t.horizon_years * 12)
        tax = points[opt.name]
        per_min = _tax_per_minute(sc) if tax else 0.0
        extra: float | None = None if tax else 0.0
        scale = float(tax.extra_failure_rate) / mode if tax and mode > 0 else 1.0
        per_box: Four = (
            float(t.hardware - t.residual + t.uplift) / months,
            float(t.setup) / months,
            float(t.maintenance + t.operations) / months,
            float(t.electricity) / months,
        )
        for o in d.options:
            if o.kind == "local" and o.name == opt.name:
                box = _times(per_box, o.boxes or 1)
                models.append(OptionModel(o.name, "local", 0.0, *box, per_min, extra, 1.0, scale,
                                          tariff=base["usd_per_kwh"]))  # fmt: skip
            elif o.kind == "hybrid" and o.name.startswith(opt.name + " +"):
                box = _times(per_box, o.boxes or 1)
                models.append(
                    OptionModel(
                        o.name,
                        "hybrid",
                        1.0,
                        *box,
                        per_min if exponent is not None else 0.0,
                        extra,
                        1.0,
                        scale,
                        not seats,
                        exponent,
                        base["usd_per_kwh"],
                    )
                )
    return models, base


Four = tuple[float, float, float, float]


def _times(v: Four, n: int) -> Four:
    return (v[0] * n, v[1] * n, v[2] * n, v[3] * n)


def _tax_per_minute(sc: Scenario) -> float:
    cap = sc.capability
    if cap is None:
        return 0.0
    return float(cap.dispatches_per_day * cap.engineer_rate * sc.days_per_month) / 60.0


def _priced_model(sc: Scenario, o: OptionResult, api: float, base: dict[str, float]) -> OptionModel:
    """An option without a box of the scenario's: ``detail["api_share"]`` of the API option's
    bill moves with ``api_monthly_factor``, the rest is fixed; its tax is its own point."""
    share = float(o.detail.get("api_share", 0.0))
    fixed = float(o.money_monthly) - share * api
    per_min = _tax_per_minute(sc)
    extra = 0.0
    if o.capability_tax_monthly > 0 and per_min > 0 and base["rework_minutes"] > 0:
        extra = float(o.capability_tax_monthly) / (per_min * base["rework_minutes"])
    return OptionModel(o.name, o.kind, share, 0.0, fixed, 0.0, 0.0, per_min, extra)


def _draw(rng: np.random.Generator, low: float, mode: float, high: float, n: int) -> Floats:
    if high <= low:
        return np.full(n, low)
    if low <= mode <= high:
        return rng.triangular(low, mode, high, n)
    return rng.uniform(low, high, n)


def ranges_of(sc: Scenario) -> dict[str, tuple[float, float]]:
    """The scenario's ranged inputs (checked when it was read; checked again here because
    measured inputs may have replaced the section since)."""
    return parse_ranges(Table(sc.section("uncertainty") or {}, sc.path, "uncertainty"))


def _quantiles(x: Floats) -> dict[str, str]:
    p10, p50, p90 = np.percentile(x, [10, 50, 90])
    return {"p10": cents(p10), "p50": cents(p50), "p90": cents(p90)}


def run_monte_carlo(
    sc: Scenario, catalog: Catalog, d: Decision, draws: int | None = None
) -> dict[str, Any] | None:
    """p10/p50/p90 of every option's monthly cost, P(recommendation cheapest), tornado."""
    ranges = ranges_of(sc)
    if not ranges:
        return None
    section = sc.section("uncertainty") or {}
    n = int(draws or section.get("draws", DEFAULT_DRAWS))
    rng = np.random.default_rng(int(section.get("seed", 0)))
    models, base = _models(sc, catalog, d)
    values: dict[str, Floats | float] = dict(base)
    for key, (low, high) in ranges.items():
        values[key] = _draw(rng, low, base[key], high, n)
    api = float(d.options[0].money_monthly)
    costs = {m.name: np.broadcast_to(m.monthly(values, api), (n,)) for m in models}
    names = [k for k in costs if k in d.eligible] or list(costs)
    stack = np.vstack([costs[k] for k in names])
    best = d.recommendation.name
    cheapest = np.argmin(stack, axis=0)
    p_best = float(np.mean(cheapest == names.index(best))) if best in names else 0.0
    wins = np.bincount(cheapest, minlength=len(names))
    runner = runner_up(d)
    return {
        "draws": n,
        "options": {k: _quantiles(v) for k, v in costs.items()},
        "best": best,
        "p_best_cheapest": p_best,
        # the option cheapest in most draws, and in how many (the recommendation's own
        # point figures may favour another: then the choice is fragile)
        "most_often": names[int(np.argmax(wins))],
        "p_most_often": float(wins.max() / n),
        "compared": names,
        "among": "eligible options" if names == [k for k in costs if k in d.eligible] else "all",
        "metric": f"{runner} minus {best} (monthly advantage)",
        "tornado": [
            {**row, **{k: cents(row[k]) for k in ("at_low", "at_high", "swing")}}
            for row in tornado(models, base=base, ranges=ranges, api=api, best=best, runner=runner)
        ],
    }
