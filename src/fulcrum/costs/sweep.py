"""``fulcrum decide --sweep KEY=LOW..HIGH[:STEP]``: every option's cost along one input.

The scenario is decided again at each value (``agents`` = ``api.agents``; any numeric
field as ``section.key``, ``options.key`` setting it on every option). Where two options'
monthly totals (capability tax included) change order between neighbouring values, the
crossing is found by deciding again between them (bisection), or interpolated linearly for an
input that takes whole values only: seed 003's "cost-equivalence falls between one and three
active agents" as a computed point. Crossings of money alone (before the tax) are listed too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations
from pathlib import Path
from typing import Any

from fulcrum.catalog import Catalog
from fulcrum.costs.decision import Decision, OptionResult, decide
from fulcrum.costs.results import money
from fulcrum.costs.scenario import Scenario, load_scenario
from fulcrum.costs.throughput import ThroughputParams
from fulcrum.errors import ConfigError, InputError

ALIASES = {
    "agents": "api.agents",
    "monthly_usd": "api.monthly_usd",
    "usd_per_kwh": "scenario.usd_per_kwh",
    "horizon_years": "scenario.horizon_years",
    "engineer_rate": "scenario.engineer_rate",
    "local_share": "hybrid.local_share",
    "price_usd": "options.price_usd",
}
MAX_POINTS = 200


@dataclass(frozen=True)
class Sweep:
    key: str  # dotted: section.key
    values: tuple[int | Decimal, ...]


def _number(text: str, flag: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InputError(f"{flag}: expected KEY=LOW..HIGH[:STEP], got {text!r}") from None
    if not value.is_finite():
        raise InputError(f"{flag}: expected a finite number, got {text!r}")
    return value


def parse_sweep(text: str) -> Sweep:
    """``agents=1..20`` or ``scenario.usd_per_kwh=0.1..0.4:0.05``."""
    flag = "--sweep"
    name, eq, span = text.partition("=")
    low_text, dots, rest = span.partition("..")
    if not eq or not dots or not name:
        raise InputError(f"{flag}: expected KEY=LOW..HIGH[:STEP], e.g. agents=1..20, got {text!r}")
    high_text, _, step_text = rest.partition(":")
    low, high = _number(low_text, flag), _number(high_text, flag)
    step = _number(step_text or "1", flag)
    if step <= 0 or high < low:
        raise InputError(f"{flag}: expected LOW <= HIGH and STEP > 0, got {text!r}")
    if (high - low) / step + 1 > MAX_POINTS:
        raise InputError(f"{flag}: more than {MAX_POINTS} points; use a larger STEP")
    key = ALIASES.get(name, name)
    if "." not in key:
        raise InputError(
            f"{flag}: unknown input {name!r}; accepted: {', '.join(ALIASES)}, or section.key"
        )
    whole = all(x == x.to_integral_value() for x in (low, step))
    values: list[int | Decimal] = []
    value = low
    while value <= high:
        values.append(int(value) if whole else value)
        value += step
    return Sweep(key, tuple(values))


def _toml_value(v: int | Decimal) -> int | float:
    return v if isinstance(v, int) else float(v)


def _scenario_at(path: Path, catalog: Catalog, key: str, value: int | Decimal) -> Scenario:
    """The scenario with ``key`` at ``value``; a value the field refuses is the flag's
    mistake, said as such (it blamed the scenario file, which is fine)."""
    try:
        return load_scenario(path, catalog, {key: _toml_value(value)})
    except ConfigError as exc:
        if exc.field != key:
            raise
        hint = " (a whole STEP for a whole-number input)" if isinstance(value, Decimal) else ""
        raise InputError(f"--sweep: {key} = {value}: {exc.detail}{hint}", param="--sweep") from None


def run_sweep(
    path: Path, catalog: Catalog, sweep: Sweep, params: ThroughputParams | None = None
) -> dict[str, Any]:
    """Decide at every value; each option's monthly total and money, and the crossings.

    Options are keyed by their stable ``id`` (a hybrid's name carries its local share, which
    a sweep of ``local_share`` changes at every step); ``name`` is the name at that step."""
    decisions: list[Decision] = [
        decide(_scenario_at(path, catalog, sweep.key, v), catalog, params) for v in sweep.values
    ]
    ids = list(dict.fromkeys(o.id for d in decisions for o in d.options))
    steps = [{o.id: o for o in d.options} for d in decisions]
    xs = [Decimal(v) for v in sweep.values]
    options_at = _decider(path, catalog, sweep, params, dict(zip(xs, steps, strict=True)))
    return {
        "key": sweep.key,
        "options": ids,
        "rows": sweep_rows(sweep.values, decisions),
        "crossings": crossings(xs, ids, option_series(steps, ids, "total_monthly"),
                                _bisector(options_at, "total_monthly")),
        "money_crossings": crossings(xs, ids, option_series(steps, ids, "money_monthly"),
                                      _bisector(options_at, "money_monthly")),
    }  # fmt: skip


def sweep_rows(values: Sequence[int | Decimal], decisions: Sequence[Decision]) -> list[Any]:
    """One row per swept value: the value, the option recommended, every option's total."""
    return [
        {
            "value": str(v),
            "recommended": d.recommendation.id,
            "options": [
                {"id": o.id, "name": o.name, "total_monthly": money(o.total_monthly),
                 "eligible": o.eligible}
                for o in d.options
            ],
        }
        for v, d in zip(values, decisions, strict=True)
    ]  # fmt: skip


Series = list[list[Decimal | None]]


def option_series(steps: list[dict[str, OptionResult]], ids: list[str], attr: str) -> Series:
    """Each option's ``attr`` at every step (None at a step without that option)."""
    return [[None if i not in s else getattr(s[i], attr) for s in steps] for i in ids]


Refine = Callable[[Decimal, Decimal, str, str], Decimal | None]
BISECTIONS = 12  # a crossing to 1/4096 of its step


Options = dict[str, OptionResult]


def _decider(
    path: Path, catalog: Catalog, sweep: Sweep, params: ThroughputParams | None,
    seen: dict[Decimal, Options | None],
) -> Callable[[Decimal], Options | None]:  # fmt: skip
    """The options decided at any value of the swept input, each value decided once (the
    sweep's own steps already are); None where the input takes whole values only."""

    def at(x: Decimal) -> Options | None:
        if x not in seen:
            try:
                sc = load_scenario(path, catalog, {sweep.key: float(x)})
                seen[x] = {o.id: o for o in decide(sc, catalog, params).options}
            except (ConfigError, InputError):
                seen[x] = None
        return seen[x]

    return at


def _bisector(options_at: Callable[[Decimal], Options | None], attr: str) -> Refine:
    """Where two options' ``attr`` cross between two swept values, found by deciding again
    between them (costs are not straight lines between the steps); None where the input takes
    whole values only (``agents``): the crossing is then interpolated."""

    def at(x: Decimal) -> dict[str, Decimal] | None:
        options = options_at(x)
        return None if options is None else {i: getattr(o, attr) for i, o in options.items()}

    def refine(lo: Decimal, hi: Decimal, a: str, b: str) -> Decimal | None:
        start = at(lo)
        if start is None or a not in start or b not in start:
            return None
        below = start[a] > start[b]
        for _ in range(BISECTIONS):
            mid = (lo + hi) / 2
            costs = at(mid)
            if costs is None or a not in costs or b not in costs:
                return None
            lo, hi = (mid, hi) if (costs[a] > costs[b]) == below else (lo, mid)
        return (lo + hi) / 2

    return refine


def crossings(
    xs: list[Decimal], names: list[str], costs: Series, refine: Refine
) -> list[dict[str, str]]:
    out = []
    for a, b in combinations(range(len(names)), 2):
        pairs = list(zip(costs[a], costs[b], strict=True))
        for i in range(len(xs) - 1):
            (a0, b0), (a1, b1) = pairs[i], pairs[i + 1]
            if a0 is None or b0 is None or a1 is None or b1 is None:
                continue
            d0, d1 = a0 - b0, a1 - b1
            if d0 == 0 or (d0 > 0) == (d1 > 0) or d1 == 0:
                continue
            linear = xs[i] + (xs[i + 1] - xs[i]) * d0 / (d0 - d1)
            at = refine(xs[i], xs[i + 1], names[a], names[b]) or linear
            cheaper = names[a] if d1 < 0 else names[b]
            out.append(
                {
                    "between": f"{xs[i]}..{xs[i + 1]}",
                    "at": str(at.quantize(Decimal("0.01"))),
                    "options": f"{names[a]} | {names[b]}",
                    "cheaper_after": cheaper,
                }
            )
    return out
