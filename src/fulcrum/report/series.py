"""The numbers behind the decision's charts: cumulative cost, cost against agents, the draws.

Pure functions over a scenario and its :class:`~fulcrum.costs.decision.Decision`; money is float
here (chart coordinates), the decision's own amounts stay ``Decimal``.

- cumulative cash per option over the horizon: a local box's upfront price (hardware and setup,
  times its boxes) at month 0, then its running cost (energy, maintenance, operations) and any API
  part each month; an API option is its monthly bill from month 0. A break-even point is where a
  machine's line crosses the first option's (the API as the team runs it today);
- monthly total cost against the number of agents: :func:`fulcrum.costs.sweep.run_sweep` on
  ``agents`` (the same decide at every count), with the crossings it reports;
- the Monte Carlo draws of every option's monthly cost, drawn as ``run_monte_carlo`` draws them
  (same seed, same triangular ranges), so the histogram and the p10/p50/p90 agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from fulcrum.catalog import Catalog
from fulcrum.costs import montecarlo as mc
from fulcrum.costs.decision import Decision
from fulcrum.costs.evaluate import option_tco
from fulcrum.costs.scenario import Scenario
from fulcrum.costs.sweep import parse_sweep, run_sweep

HISTOGRAM_DRAWS = 20_000  # enough for a histogram; the report's quantiles use the full count


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    upfront: float
    monthly: float

    def at(self, month: float) -> float:
        return self.upfront + self.monthly * month


@dataclass(frozen=True, slots=True)
class BreakEven:
    option: str
    month: float
    usd: float


def cumulative_lines(sc: Scenario, d: Decision) -> list[Line]:
    """Each option's cash line: upfront at month 0, then its monthly cash cost."""
    lines: list[Line] = []
    for o in d.options:
        box = next(
            (b for b in sc.options if o.name == b.name or o.name.startswith(b.name + " +")), None
        )
        if box is None or o.kind not in ("local", "hybrid"):
            lines.append(Line(o.name, 0.0, float(o.money_monthly)))
            continue
        t = option_tco(sc, box)
        boxes = o.boxes or 1
        monthly = o.money_monthly - t.monthly * boxes + t.running_monthly * boxes
        lines.append(Line(o.name, float(t.upfront * boxes), float(monthly)))
    return lines


def break_evens(lines: list[Line], months: float) -> list[BreakEven]:
    """Where each line with an upfront cost crosses the first (today's API) line."""
    if not lines:
        return []
    api = lines[0]
    out = []
    for line in lines[1:]:
        saving = api.monthly - line.monthly
        if line.upfront <= 0 or saving <= 0:
            continue
        month = line.upfront / saving
        if month <= months:
            out.append(BreakEven(line.name, month, api.at(month)))
    return out


def horizon_months(sc: Scenario) -> float:
    return float(sc.horizon_years * 12)


def agents_sweep(
    path: Path, catalog: Catalog, agents: int, overrides: int | None = None
) -> dict[str, Any]:
    """Every option's monthly total from 1 agent to about three times the scenario's count."""
    top = overrides or max(6, 3 * agents)
    step = max(1, top // 24)
    return run_sweep(path, catalog, parse_sweep(f"agents=1..{top}:{step}"))


def draws(sc: Scenario, catalog: Catalog, d: Decision, n: int = HISTOGRAM_DRAWS) -> dict[str, Any]:
    """Every option's monthly cost over ``n`` draws of the ranged inputs (empty: no ranges)."""
    ranges = mc.ranges_of(sc)
    if not ranges:
        return {}
    section = sc.section("uncertainty") or {}
    rng = np.random.default_rng(int(section.get("seed", 0)))
    models, base = mc._models(sc, catalog, d)
    values: dict[str, Any] = dict(base)
    for key, (low, high) in ranges.items():
        values[key] = mc._draw(rng, low, base[key], high, n)
    api = float(d.options[0].money_monthly)
    return {m.name: np.broadcast_to(m.monthly(values, api), (n,)) for m in models}


def money(value: Decimal | float | None) -> str:
    """A dollar amount for a label: no cents from $100 up."""
    if value is None:
        return "unknown"
    v = float(value)
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"
