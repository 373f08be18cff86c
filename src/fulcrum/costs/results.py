"""The decision's result types: options with their eligibility, rules, the decision.

An option is eligible when ``why_not`` is empty; otherwise each entry is a :class:`Rule`
naming what excluded it and the numbers it used. JSON money is a decimal string rounded to
cents (:func:`money`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fulcrum.costs.signals import Signal
from fulcrum.costs.spend import WakeFilterResult

CENT = Decimal("0.01")
NOT_ASSESSED = (
    "not assessed: the scenario has no [capability] section, so no local option's "
    "capability tax is known and none is recommended; add one, or pass --eval-results "
    "from `fulcrum eval stats --export`"
)


def money(value: Decimal) -> str:
    """A JSON money string: decimal, rounded to cents."""
    return str(value.quantize(CENT))


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text, "evidence": self.evidence}


@dataclass(frozen=True)
class OptionResult:
    kind: str  # "api" | "local" | "hybrid" | "cheaper_api"
    name: str
    money_monthly: Decimal
    capability_tax_monthly: Decimal
    detail: dict[str, Any] = field(default_factory=dict)
    why_not: tuple[Rule, ...] = ()
    tax_assessed: bool = True
    key: str = ""  # a stable identity where the name carries a varying input (the hybrid's)

    @property
    def id(self) -> str:
        """The option's identity across decisions on other inputs (a sweep's steps)."""
        return self.key or self.name

    @property
    def total_monthly(self) -> Decimal:
        return self.money_monthly + self.capability_tax_monthly

    @property
    def eligible(self) -> bool:
        return not self.why_not

    @property
    def boxes(self) -> int:
        return int(self.detail.get("boxes", 0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "eligible": self.eligible,
            "why_not": [r.as_dict() for r in self.why_not],
            "money_monthly": money(self.money_monthly),
            "capability_tax_monthly": money(self.capability_tax_monthly)
            if self.tax_assessed
            else None,
            "total_monthly": money(self.total_monthly),
            **self.detail,
        }


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
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        wf = self.wake_filter
        return {
            "scenario": self.scenario,
            "recommendation": self.recommendation.as_dict(),
            "options": [o.as_dict() for o in self.options],
            "rules_fired": [r.as_dict() for r in self.rules],
            "flip_signals": [s.as_dict() for s in self.signals],
            "eligible": list(self.eligible),
            "capability_basis": self.capability_basis,
            "warnings": list(self.warnings),
            "reevaluate_on": self.reevaluate_on.isoformat(),
            "wake_filter": None
            if wf is None
            else {
                "api_per_agent_monthly": money(wf.api_per_agent.monthly),
                "api_fleet_monthly": money(wf.api_fleet.monthly),
                "local_energy_monthly": money(wf.local_energy_fleet.monthly),
            },
        }
