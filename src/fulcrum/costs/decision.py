"""The decision: stay on the API, hybrid, local, or a cheaper API tier.

Options are compared on money per month plus the capability tax (engineer time lost to the
extra failed dispatches of a weaker model). Seed 003's framework decides which options are
eligible: local needs five or more active agents (below three the hardware never amortizes),
a privacy constraint forces local, and hybrid is the default when it is cheapest. The rules
that fired, the flip signals checked against the catalog and a re-evaluation date come with
the recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fulcrum.catalog import Catalog
from fulcrum.catalog.prices import TokenUsage
from fulcrum.costs.evaluate import (
    api_monthly,
    economics,
    option_speed,
    option_tco,
    price_card,
    tax_for_model,
)
from fulcrum.costs.scenario import Scenario
from fulcrum.costs.signals import Signal, check_signals
from fulcrum.costs.spend import WakeFilter, WakeFilterResult, hybrid, wake_filter

D = Decimal
CENT = D("0.01")
FEW_AGENTS = 3
MANY_AGENTS = 5
WAKE_FILTER_THRESHOLD = D(200)
DEFAULT_LOCAL_SHARE = D("0.65")
DEFAULT_HYBRID_TAX_FACTOR = D("0.25")
NOT_ASSESSED = (
    "not assessed: the scenario has no [capability] section, so local options carry no "
    "capability tax; add one, or pass --eval-results from `fulcrum eval stats --export`"
)


@dataclass(frozen=True)
class OptionResult:
    kind: str  # "api" | "local" | "hybrid" | "cheaper_api"
    name: str
    money_monthly: Decimal
    capability_tax_monthly: Decimal
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def total_monthly(self) -> Decimal:
        return self.money_monthly + self.capability_tax_monthly

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "money_monthly": str(self.money_monthly.quantize(CENT)),
            "capability_tax_monthly": str(self.capability_tax_monthly.quantize(CENT)),
            "total_monthly": str(self.total_monthly.quantize(CENT)),
            **self.detail,
        }


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    evidence: str


@dataclass(frozen=True)
class Decision:
    scenario: str
    recommendation: OptionResult
    options: list[OptionResult]
    rules: list[Rule]
    signals: list[Signal]
    reevaluate_on: date
    wake_filter: WakeFilterResult | None
    eligible: tuple[str, ...] = ()
    capability_basis: str = NOT_ASSESSED

    def as_dict(self) -> dict[str, Any]:
        wf = self.wake_filter
        return {
            "scenario": self.scenario,
            "recommendation": self.recommendation.as_dict(),
            "options": [o.as_dict() for o in self.options],
            "rules_fired": [
                {"id": r.id, "text": r.text, "evidence": r.evidence} for r in self.rules
            ],
            "flip_signals": [s.as_dict() for s in self.signals],
            "eligible": list(self.eligible),
            "capability_basis": self.capability_basis,
            "reevaluate_on": self.reevaluate_on.isoformat(),
            "wake_filter": None
            if wf is None
            else {
                "api_per_agent_monthly": str(wf.api_per_agent.monthly.quantize(CENT)),
                "api_fleet_monthly": str(wf.api_fleet.monthly.quantize(CENT)),
                "local_energy_monthly": str(wf.local_energy_fleet.monthly.quantize(CENT)),
            },
        }


def _local_options(sc: Scenario, catalog: Catalog, api: Decimal) -> list[OptionResult]:
    hyb = sc.section("hybrid") or {}
    share = D(str(hyb.get("local_share", DEFAULT_LOCAL_SHARE)))
    factor = D(str(hyb.get("capability_tax_factor", DEFAULT_HYBRID_TAX_FACTOR)))
    out: list[OptionResult] = []
    for opt in sc.options:
        t = option_tco(sc, opt)
        speed = option_speed(sc, catalog, opt)
        boxes = speed.queue.boxes if speed and speed.queue else 1
        tax = tax_for_model(sc, catalog, opt.local_model)
        tax_monthly = tax.monthly if tax else D(0)
        detail: dict[str, Any] = {"tco_monthly": str(t.monthly.quantize(CENT)), "boxes": boxes}
        detail.update(economics(t.upfront, t.running_monthly, t.monthly, api, sc.api.agents))
        if speed is not None:
            detail.update(speed.as_detail())
        out.append(OptionResult("local", opt.name, t.monthly * boxes, tax_monthly, detail))
        mix = hybrid(api, t.monthly, share, tax_monthly * factor)
        out.append(
            OptionResult(
                "hybrid",
                f"{opt.name} + API ({share:.0%} local)",
                mix.api_monthly + mix.local_monthly,
                mix.capability_tax_monthly,
                {"local_share": str(share), "api_monthly": str(mix.api_monthly.quantize(CENT))},
            )
        )
    return out


def _cheaper_tier(sc: Scenario, catalog: Catalog, api: Decimal) -> OptionResult | None:
    tier = sc.section("cheaper_tier")
    if not tier:
        return None
    model = str(tier.get("model", ""))
    card = price_card(catalog, model, tier.get("provider"), sc)
    frontier = price_card(catalog, sc.api.model, sc.api.provider, sc)
    probe = TokenUsage(1_000_000, 250_000)
    ratio = (card.cost(probe) or D(0)) / (frontier.cost(probe) or D(1))
    tax = tax_for_model(sc, catalog, model, measured_first=False)
    return OptionResult(
        "cheaper_api",
        f"Cheaper API tier ({model})",
        api * ratio,
        tax.monthly if tax else D(0),
        {"price_ratio": f"{ratio:.3f}", "source": card.source},
    )


def _wake_filter(sc: Scenario, catalog: Catalog) -> WakeFilterResult | None:
    t = sc.section("wake_filter")
    if not t:
        return None
    card = price_card(catalog, str(t.get("model", sc.api.model)), None, sc)
    wf = WakeFilter(
        calls_per_day=int(t.get("calls_per_day", 0)),
        input_tokens=int(t.get("input_tokens", 0)),
        output_tokens=int(t.get("output_tokens", 0)),
        agents=int(t.get("agents", sc.api.agents)),
        local_w=D(str(t.get("local_w", 0))),
        seconds_per_call=D(str(t.get("seconds_per_call", 1))),
    )
    return wake_filter(wf, card, sc.usd_per_kwh, sc.days_per_month)


def decide(sc: Scenario, catalog: Catalog) -> Decision:
    """Evaluate every option of ``sc`` and recommend one, with its reasons."""
    api = api_monthly(sc, catalog).monthly
    options = [OptionResult("api", f"Frontier API ({sc.api.model})", api, D(0))]
    options += _local_options(sc, catalog, api)
    cheaper = _cheaper_tier(sc, catalog, api)
    if cheaper is not None:
        options.append(cheaper)
    wf = _wake_filter(sc, catalog)
    rules, eligible = _apply_rules(sc, options, api, wf)
    best = min(eligible, key=lambda o: o.total_monthly)
    rules.append(
        Rule(
            "cheapest-eligible",
            f"recommend the cheapest eligible option: {best.name}",
            f"${best.total_monthly:,.0f}/month incl. capability tax vs ${api:,.0f} on the API",
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
    )


def _apply_rules(
    sc: Scenario, options: list[OptionResult], api: Decimal, wf: WakeFilterResult | None
) -> tuple[list[Rule], list[OptionResult]]:
    agents = sc.api.agents
    rules: list[Rule] = []
    local_only = bool((sc.section("constraints") or {}).get("local_only", False))
    locals_ = [o for o in options if o.kind == "local"]
    if local_only and locals_:
        rules.append(
            Rule("privacy", "data may not leave the machine: local only", "constraints.local_only")
        )
        return rules, locals_
    eligible = [o for o in options if o.kind != "local"]
    if agents < FEW_AGENTS:
        rules.append(
            Rule(
                "few-agents",
                "under three active agents the hardware never amortizes",
                f"agents = {agents}",
            )
        )
    elif agents >= MANY_AGENTS:
        tolerable = [o for o in locals_ if o.total_monthly < api]
        if tolerable:
            rules.append(
                Rule(
                    "move-local",
                    "five or more agents and a tolerable capability tax",
                    f"agents = {agents}",
                )
            )
            eligible += tolerable
    for o in locals_:
        saving = api - o.money_monthly
        if o.capability_tax_monthly > max(saving, D(0)) and o.capability_tax_monthly > 0:
            rules.append(
                Rule(
                    "capability-tax-dominates",
                    f"{o.name}: the capability tax exceeds the API savings",
                    f"tax ${o.capability_tax_monthly:,.0f}/month vs savings ${saving:,.0f}/month",
                )
            )
    if wf is not None and wf.api_fleet.monthly > WAKE_FILTER_THRESHOLD:
        rules.append(
            Rule(
                "wake-filter-first",
                "move wake-filter/classifier calls local first: volume-bound, not capability-bound",
                f"${wf.api_fleet.monthly:,.0f}/month on the API vs "
                f"${wf.local_energy_fleet.monthly:,.2f} of electricity",
            )
        )
    return rules, eligible
