"""The decision: stay on the API, hybrid, local, or a cheaper API tier.

Options are compared on money per month plus the capability tax (engineer time lost to the
extra failed dispatches of a weaker model). Only eligible options are recommended: an option
is built with what makes it infeasible (:mod:`.local`: fit, capacity, closed weights, an
unassessed tax) and seed 003's framework adds the team rules (:mod:`.eligibility`). The rules
that fired, the flip signals checked against the catalog and a re-evaluation date come with
the recommendation.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fulcrum.catalog import Catalog
from fulcrum.costs.eligibility import apply_rules
from fulcrum.costs.evaluate import API_FIELDS, api_monthly, price_card
from fulcrum.costs.kinds import KindContext, all_options
from fulcrum.costs.local import understated
from fulcrum.costs.results import NOT_ASSESSED, Decision, OptionResult, Rule
from fulcrum.costs.scenario import Scenario
from fulcrum.costs.signals import check_signals
from fulcrum.costs.speed import volume_warning
from fulcrum.costs.spend import WakeFilter, WakeFilterResult, wake_filter
from fulcrum.costs.throughput import ThroughputParams
from fulcrum.errors import InputError

__all__ = ["Decision", "OptionResult", "Rule", "decide"]

D = Decimal
WAKE_FILTER_THRESHOLD = D(200)


def _wake_filter(sc: Scenario, catalog: Catalog) -> WakeFilterResult | None:
    t = sc.section("wake_filter")
    if not t:
        return None
    fields = ("wake_filter.model", "") if "model" in t else API_FIELDS
    card = price_card(catalog, str(t.get("model", sc.api.model)), None, sc, fields)
    wf = WakeFilter(
        calls_per_day=int(t.get("calls_per_day", 0)),
        input_tokens=int(t.get("input_tokens", 0)),
        output_tokens=int(t.get("output_tokens", 0)),
        agents=int(t.get("agents", sc.api.agents)),
        local_w=D(str(t.get("local_w", 0))),
        seconds_per_call=D(str(t.get("seconds_per_call", 1))),
    )
    return wake_filter(wf, card, sc.usd_per_kwh, sc.days_per_month)


def _wake_rule(wf: WakeFilterResult | None) -> list[Rule]:
    if wf is None or wf.api_fleet.monthly <= WAKE_FILTER_THRESHOLD:
        return []
    return [
        Rule(
            "wake-filter-first",
            "move wake-filter/classifier calls local first: volume-bound, not capability-bound",
            f"${wf.api_fleet.monthly:,.0f}/month on the API vs "
            f"${wf.local_energy_fleet.monthly:,.2f} of electricity",
        )
    ]


def decide(sc: Scenario, catalog: Catalog, params: ThroughputParams | None = None) -> Decision:
    """Evaluate every option of ``sc`` and recommend the cheapest eligible one, with why."""
    api = api_monthly(sc, catalog).monthly
    wf = _wake_filter(sc, catalog)
    ctx = KindContext(sc, catalog, api, params, wf)
    rules, options = apply_rules(sc, all_options(ctx), ctx.api + ctx.wake_on_api)
    rules += _wake_rule(wf)
    eligible = [o for o in options if o.eligible]
    if not eligible:
        why = "; ".join(f"{o.name}: {r.id} ({r.evidence})" for o in options for r in o.why_not)
        raise InputError(f"{sc.path}: no option is eligible: {why}")
    best = min(eligible, key=lambda o: o.total_monthly)
    rules.append(
        Rule(
            "cheapest-eligible",
            f"recommend the cheapest eligible option: {best.name}",
            f"${best.total_monthly:,.0f}/month incl. capability tax vs "
            f"${api + ctx.wake_on_api:,.0f} on the API",
        )
    )
    card = catalog.price(sc.api.model, sc.api.provider)
    signals = check_signals(catalog, card, sc.api.reference_input, sc.api.reference_output)
    return Decision(
        scenario=sc.name,
        recommendation=best,
        options=options,
        rules=rules,
        signals=signals,
        reevaluate_on=sc.as_of + timedelta(days=sc.re_evaluate_days),
        wake_filter=wf,
        eligible=tuple(o.name for o in eligible),
        capability_basis=sc.capability.basis if sc.capability else NOT_ASSESSED,
        warnings=understated(sc) + volume_warning(sc),
    )
