"""Local and hybrid options: priced for the boxes they need, with what blocks them.

Each hardware option yields a ``local`` option (all coding traffic on the box) and a
``hybrid`` (its ``local_share`` on the box, the rest on the API). Both are priced for the
number of boxes their traffic needs (:mod:`fulcrum.costs.speed`), and both carry the rules
that make them infeasible, each with its numbers: a closed-weights model, a model that does
not fit, a latency target no box count meets, a capability tax that cannot be assessed.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fulcrum.catalog import Catalog
from fulcrum.costs.evaluate import economics, option_tco, tax_for_model, tax_missing
from fulcrum.costs.hybridtax import factor_of, tax_fraction
from fulcrum.costs.results import OptionResult, Rule, money
from fulcrum.costs.scenario import HardwareOption, Scenario
from fulcrum.costs.speed import OptionSpeed, option_speed
from fulcrum.costs.spend import hybrid
from fulcrum.costs.throughput import ThroughputParams

if TYPE_CHECKING:
    from fulcrum.costs.kinds import KindContext

D = Decimal
DEFAULT_LOCAL_SHARE = D("0.65")
ONE = D(1)
# seed 003: "5-10 engineer-hours per month" of operations, all-in "15-30% higher" than amortization
UNDERSTATED = (
    (
        "ops_hours_per_month",
        "operations hours",
        "seed 003: 5-10 engineer-hours a month for a small fleet",
    ),
    ("uplift", "all-in uplift", "seed 003: all-in 15-30% above the amortization line"),
)


POWER_KEYS = ("avg_w", "idle_w", "load_w", "electricity_usd")


def understated(sc: Scenario) -> tuple[str, ...]:
    """Defaults that make a local option look cheaper than it is, named per option."""
    out = []
    for opt in sc.options:
        for key, what, hint in UNDERSTATED:
            if not opt.table.get(key):
                out.append(f"{opt.name}: {what} ({key}) left at 0; {hint}")
        if _unpowered(opt):
            where = f"the catalog has no power figure for {opt.tier.name}" if opt.tier else ""
            out.append(f"{opt.name}: electricity left at $0 ({where or 'no hardware'}); set "
                       "avg_w, idle_w and load_w, or electricity_usd")  # fmt: skip
    return tuple(out)


def _unpowered(opt: HardwareOption) -> bool:
    """No power figure from the option or its catalog hardware: its electricity is $0."""
    if any(opt.table.get(key) is not None for key in POWER_KEYS):
        return False
    tier = opt.tier
    return tier is None or (tier.idle_w is None and tier.load_w is None)


def blockers(catalog: Catalog, opt: HardwareOption, speed: OptionSpeed | None) -> list[Rule]:
    """What makes ``opt`` infeasible on its hardware, each rule with its evidence."""
    spec = catalog.models.get(opt.local_model) if opt.local_model else None
    if spec is not None and not spec.open_weights:
        return [
            Rule(
                "closed-weights",
                f"{spec.id} is not an open-weights model: it cannot run on local hardware",
                f"catalog: {spec.id} open_weights = false",
            )
        ]
    out: list[Rule] = []
    if opt.local_model is None:
        out.append(
            Rule("no-local-model", "no local_model", "memory fit and speed cannot be checked")
        )
    elif opt.tier is None:
        out.append(
            Rule("fit-not-assessed", "no catalog `hardware`", "memory fit cannot be checked")
        )
    if speed is not None:
        if speed.fit.fits is False:
            out.append(Rule("memory-fit", "the model does not fit", speed.fit.evidence()))
        elif speed.fit.fits is None:
            out.append(Rule("fit-not-assessed", "memory fit not assessed", speed.fit.evidence()))
        problem = speed.capacity_problem()
        if problem is not None:
            out.append(Rule("capacity", "no box count meets the latency target", problem))
    return out


def model_tax(
    sc: Scenario, catalog: Catalog, opt: HardwareOption, factor: Decimal = ONE
) -> tuple[Decimal, Rule | None]:
    if factor == 0:
        return D(0), None
    tax = tax_for_model(sc, catalog, opt.local_model)
    if tax is None:
        why = tax_missing(sc, catalog, opt.local_model)
        return D(0), Rule("tax-not-assessed", "capability tax not assessed", why)
    return tax.monthly * factor, None


def build(ctx: KindContext) -> list[OptionResult]:
    """The ``local`` and ``hybrid`` options of every ``[[options]]`` box."""
    out = local_options(ctx.sc, ctx.catalog, ctx.api, ctx.params)
    if not ctx.wake_priced:
        return out
    extra = ctx.wake_local  # the box runs the wake-filter calls too, for its electricity
    return [replace(o, money_monthly=o.money_monthly + extra) for o in out]


def local_options(
    sc: Scenario, catalog: Catalog, api: Decimal, params: ThroughputParams | None = None
) -> list[OptionResult]:
    hyb = sc.section("hybrid") or {}
    share = D(str(hyb.get("local_share", DEFAULT_LOCAL_SHARE)))
    factor = factor_of(hyb)
    out: list[OptionResult] = []
    for opt in sc.options:
        out.append(_local(sc, catalog, opt, api, params))
        out.append(_hybrid(sc, catalog, opt, api, (share, factor), params=params))
    return out


def _local(
    sc: Scenario,
    catalog: Catalog,
    opt: HardwareOption,
    api: Decimal,
    params: ThroughputParams | None = None,
) -> OptionResult:
    t = option_tco(sc, opt)
    speed = option_speed(sc, catalog, opt, params=params)
    boxes = speed.boxes if speed else 1
    tax, unassessed = model_tax(sc, catalog, opt)
    why = blockers(catalog, opt, speed) + ([unassessed] if unassessed else [])
    detail: dict[str, Any] = {
        "tco_monthly": money(t.monthly),
        "boxes": boxes,
        "per_developer_monthly": money(t.monthly * boxes / sc.api.agents),
    }
    detail.update(
        economics(
            t.upfront * boxes, t.running_monthly * boxes, t.monthly * boxes, api, sc.api.agents
        )
    )
    if speed is not None:
        detail.update(speed.as_detail())
    return OptionResult(
        "local", opt.name, t.monthly * boxes, tax, detail, tuple(why), unassessed is None
    )


def _hybrid(
    sc: Scenario,
    catalog: Catalog,
    opt: HardwareOption,
    api: Decimal,
    mix_of: tuple[Decimal, Decimal],
    *,
    params: ThroughputParams | None,
) -> OptionResult:
    share, factor = mix_of
    t = option_tco(sc, opt)
    speed = option_speed(sc, catalog, opt, float(share), params)
    boxes = speed.boxes if speed else 1
    tax, unassessed = model_tax(sc, catalog, opt, tax_fraction(share, factor))
    why = blockers(catalog, opt, speed) + ([unassessed] if unassessed else [])
    mix = hybrid(api, t.monthly * boxes, share, tax)
    # a subscription is a seat price: routing traffic local does not shrink it
    api_part = api if sc.api.plan is not None else mix.api_monthly
    detail: dict[str, Any] = {
        "local_share": str(share),
        "api_monthly": money(api_part),
        "api_priced_as": "seats" if sc.api.plan is not None else "tokens",
        "tco_monthly": money(t.monthly),
        "boxes": boxes,
    }
    if speed is not None and speed.one_box is not None:
        detail["one_box_utilisation"] = round(speed.one_box.utilisation, 2)
        detail["meets_latency_target"] = speed.queue is not None
    return OptionResult(
        "hybrid",
        f"{opt.name} + API ({share:.0%} local)",
        api_part + mix.local_monthly,
        mix.capability_tax_monthly,
        detail,
        tuple(why),
        unassessed is None,
        key=f"{opt.name} + API (hybrid)",
    )
