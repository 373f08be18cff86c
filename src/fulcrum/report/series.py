"""The numbers behind the decision's charts: cumulative cost, cost against agents, the draws.

Pure functions over a scenario and its :class:`~fulcrum.costs.decision.Decision`; money is float
here (chart coordinates), the decision's own amounts stay ``Decimal``.

- cumulative cash per option over the horizon: a local box's upfront price (hardware and setup,
  times its boxes) at month 0, then its running cost (energy, maintenance, operations) and any API
  part each month; an API option is its monthly bill from month 0. A break-even point is where a
  machine's line crosses the first option's (the API as the team runs it today), unless no box
  count serves the load (the option is then priced as one box: no real price);
- monthly total cost against the number of agents: the scenario as decided (its measured usage,
  speeds and gap applied) decided again at every count, rows and crossings shaped as
  :func:`fulcrum.costs.sweep.run_sweep` shapes them (which re-reads the file: its assumed inputs);
- the Monte Carlo draws of every option's monthly cost, drawn as ``run_monte_carlo`` draws them
  (same seed, same triangular ranges), so the histogram and the p10/p50/p90 agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np

from fulcrum.catalog import Catalog
from fulcrum.costs import montecarlo as mc
from fulcrum.costs.decision import Decision, decide
from fulcrum.costs.evaluate import option_tco
from fulcrum.costs.scenario import Scenario
from fulcrum.costs.sweep import crossings, option_series, sweep_rows

# why_not rules under which an option's box count, hence its price, is a placeholder
UNPRICED = frozenset({"capacity"})
HISTOGRAM_DRAWS = 20_000  # enough for a histogram; the report's quantiles use the full count


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    upfront: float
    monthly: float
    eligible: bool = True  # drawn dashed when not
    priced: bool = True  # False: no box count serves the load, priced as one box (no break-even)

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
        flags = (o.eligible, not any(r.id in UNPRICED for r in o.why_not))
        box = next(
            (b for b in sc.options if o.name == b.name or o.name.startswith(b.name + " +")), None
        )
        if box is None or o.kind not in ("local", "hybrid"):
            lines.append(Line(o.name, 0.0, float(o.money_monthly), *flags))
            continue
        t = option_tco(sc, box)
        boxes = o.boxes or 1
        monthly = o.money_monthly - t.monthly * boxes + t.running_monthly * boxes
        lines.append(Line(o.name, float(t.upfront * boxes), float(monthly), *flags))
    return lines


def break_evens(lines: list[Line], months: float) -> list[BreakEven]:
    """Where each line with an upfront cost crosses the first (today's API) line; none for an
    option no box count serves (priced as one box, its line is no real price)."""
    if not lines:
        return []
    api = lines[0]
    out = []
    for line in lines[1:]:
        saving = api.monthly - line.monthly
        if not line.priced or line.upfront <= 0 or saving <= 0:
            continue
        month = line.upfront / saving
        if month <= months:
            out.append(BreakEven(line.name, month, api.at(month)))
    return out


def horizon_months(sc: Scenario) -> float:
    return float(sc.horizon_years * 12)


def agents_sweep(sc: Scenario, catalog: Catalog, top: int | None = None) -> dict[str, Any]:
    """Every option's monthly total from 1 agent to about three times the scenario's count.

    The scenario is the one decided (a measured usage is per agent, so it scales with the
    count); a crossing between two counts is interpolated, as ``run_sweep`` does for agents."""
    top = top or max(6, 3 * sc.api.agents)
    values = list(range(1, top + 1, max(1, top // 24)))
    decisions = [decide(replace(sc, api=replace(sc.api, agents=n)), catalog) for n in values]
    ids = list(dict.fromkeys(o.id for d in decisions for o in d.options))
    steps = [{o.id: o for o in d.options} for d in decisions]
    xs = [Decimal(n) for n in values]
    found = crossings(xs, ids, option_series(steps, ids, "total_monthly"), lambda *_: None)
    rows = sweep_rows(values, decisions)
    return {"key": "api.agents", "options": ids, "rows": rows, "crossings": found}


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
