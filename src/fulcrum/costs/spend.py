"""API spend, break-even, cost equivalence, wake-filter and hybrid economics."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fulcrum.catalog.prices import PriceCard, TokenUsage

DAYS_PER_MONTH = Decimal(30)


@dataclass(frozen=True, slots=True)
class UsageProfile:
    """Tokens per agent per day (input uncached; cache reads and writes separately)."""

    agents: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    days_per_month: Decimal = DAYS_PER_MONTH

    def daily_usage(self) -> TokenUsage:
        return TokenUsage(
            self.input_tokens * self.agents,
            self.output_tokens * self.agents,
            self.cache_read_tokens * self.agents,
            self.cache_write_tokens * self.agents,
        )


@dataclass(frozen=True, slots=True)
class Spend:
    daily: Decimal
    monthly: Decimal

    def scaled(self, factor: Decimal) -> Spend:
        return Spend(self.daily * factor, self.monthly * factor)


def api_spend(profile: UsageProfile, card: PriceCard) -> Spend:
    """Daily and monthly spend of ``profile`` at ``card``'s prices."""
    daily = card.cost(profile.daily_usage(), one_call=False)
    if daily is None:  # pragma: no cover - PriceCard.cost only returns None for unknown
        raise ValueError("price unknown")
    return Spend(daily, daily * profile.days_per_month)


def plan_spend(monthly_usd: Decimal, seats: int, days_per_month: Decimal = DAYS_PER_MONTH) -> Spend:
    monthly = monthly_usd * seats
    return Spend(monthly / days_per_month, monthly)


def simple_payback_months(cost_usd: Decimal, api_monthly: Decimal) -> Decimal | None:
    """Months of API spend that add up to ``cost_usd`` (the seeds' "payback")."""
    return None if api_monthly <= 0 else cost_usd / api_monthly


def break_even_month(
    upfront: Decimal, local_running_monthly: Decimal, api_monthly: Decimal
) -> Decimal | None:
    """Month at which cumulative API spend overtakes upfront + cumulative running cost."""
    saving = api_monthly - local_running_monthly
    return None if saving <= 0 else upfront / saving


def cost_equivalence_agents(local_monthly: Decimal, api_monthly_per_agent: Decimal) -> Decimal:
    """Number of agents whose API spend equals the machine's monthly cost."""
    return local_monthly / api_monthly_per_agent


def per_seat(monthly: Decimal, seats: int) -> Decimal:
    """Cost per developer when ``seats`` share one machine."""
    return monthly / seats


@dataclass(frozen=True, slots=True)
class WakeFilter:
    calls_per_day: int
    input_tokens: int
    output_tokens: int
    agents: int = 1
    local_w: Decimal = Decimal(0)
    seconds_per_call: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class WakeFilterResult:
    api_per_agent: Spend
    api_fleet: Spend
    local_energy_fleet: Spend

    @property
    def monthly_saving(self) -> Decimal:
        return self.api_fleet.monthly - self.local_energy_fleet.monthly


def wake_filter(
    wf: WakeFilter,
    card: PriceCard,
    usd_per_kwh: Decimal,
    days_per_month: Decimal = DAYS_PER_MONTH,
) -> WakeFilterResult:
    """calls/day x tokens x price vs the energy of running the calls locally."""
    one = card.cost(TokenUsage(wf.input_tokens, wf.output_tokens)) or Decimal(0)
    daily = one * wf.calls_per_day
    per_agent = Spend(daily, daily * days_per_month)
    busy_hours = Decimal(wf.calls_per_day * wf.agents) * wf.seconds_per_call / 3600
    energy_daily = wf.local_w * busy_hours / 1000 * usd_per_kwh
    return WakeFilterResult(
        api_per_agent=per_agent,
        api_fleet=per_agent.scaled(Decimal(wf.agents)),
        local_energy_fleet=Spend(energy_daily, energy_daily * days_per_month),
    )


@dataclass(frozen=True, slots=True)
class HybridMix:
    local_share: Decimal
    api_monthly: Decimal
    local_monthly: Decimal
    capability_tax_monthly: Decimal

    @property
    def total_monthly(self) -> Decimal:
        return self.api_monthly + self.local_monthly + self.capability_tax_monthly


def hybrid(
    api_monthly_all: Decimal,
    local_monthly: Decimal,
    local_share: Decimal,
    capability_tax_monthly: Decimal = Decimal(0),
) -> HybridMix:
    """Keep ``local_share`` of traffic local: the API bill shrinks by that share and the rig
    is paid in full; ``capability_tax_monthly`` is the tax on the work routed local."""
    return HybridMix(
        local_share=local_share,
        api_monthly=api_monthly_all * (1 - local_share),
        local_monthly=local_monthly,
        capability_tax_monthly=capability_tax_monthly,
    )
