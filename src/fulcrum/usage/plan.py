"""A subscription plan beside the API-equivalent value of the same usage.

The plan's monthly price is prorated over the days the report covers (first to last day
with usage, as the daily figures count them, 30 days to a month) and set beside what the
same calls would have cost at API prices, so "my Max plan shows $0" becomes a comparison.
Calls with no known price add nothing to the API figure, which is then a lower bound
(marked ``+N?``); with no priced call at all it is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fulcrum.catalog.records import Plan
from fulcrum.usage.render import usd
from fulcrum.usage.report import UsageReport

DAYS_PER_MONTH = Decimal(30)


@dataclass(frozen=True, slots=True)
class PlanComparison:
    plan: Plan
    days: int
    api_usd: Decimal | None
    unknown: int

    @classmethod
    def of(cls, report: UsageReport, plan: Plan) -> PlanComparison:
        return cls(plan, len(report.days), report.total.cost, report.total.unknown)

    @property
    def plan_usd(self) -> Decimal:
        """The plan's price for the days covered."""
        return self.plan.monthly_usd * self.days / DAYS_PER_MONTH

    @property
    def api_monthly_usd(self) -> Decimal | None:
        if self.api_usd is None or not self.days:
            return None
        return self.api_usd / self.days * DAYS_PER_MONTH

    @property
    def ratio(self) -> Decimal | None:
        """API-equivalent over plan price; ``None`` when either is unknown or zero."""
        if self.api_usd is None or not self.plan_usd:
            return None
        return self.api_usd / self.plan_usd

    def lines(self) -> list[str]:
        p = self.plan
        ratio = "unknown" if self.ratio is None else f"{self.ratio:.1f}x"
        return [
            f"plan {p.name} ({p.id}): {usd(p.monthly_usd)}/month, "
            f"{usd(self.plan_usd)} for {self.days} days",
            f"same usage at API prices: {usd(self.api_usd, self.unknown)} "
            f"({usd(self.api_monthly_usd)} per 30 days), {ratio} the plan",
        ]

    def as_dict(self) -> dict[str, object]:
        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "id": self.plan.id,
            "name": self.plan.name,
            "monthly_usd": str(self.plan.monthly_usd),
            "days": self.days,
            "plan_usd": str(self.plan_usd),
            "api_equivalent_usd": money(self.api_usd),
            "api_equivalent_monthly_usd": money(self.api_monthly_usd),
            "calls_unknown_price": self.unknown,
            "ratio": money(self.ratio),
        }
