"""Capability tax: the engineer time lost to dispatches a weaker model fails.

The local model's extra failure rate comes either from a measured pass-rate gap (the
evaluation harness's paired result) or from a benchmark score gap through a *mapping*. The
mappings are explicit, documented and replaceable (a registry keyed by name):

``linear``        extra failures = slope x score gap (points). The default slope 9/7 is
                  seed 003's "a seven-point drop ~ nine percent more failed dispatches".
``failure_ratio`` failure scales with the benchmark failure ratio:
                  new = baseline x (100 - local) / (100 - frontier).
``score_ratio``   failure scales with the benchmark score ratio:
                  new = baseline x frontier / local ("half the score, double the failures",
                  seed 003's 50% vs 79.6% -> 20% -> 40% when 50 is read as half).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from fulcrum.errors import InputError

SEED_SLOPE = Decimal(9) / Decimal(7)
HUNDRED = Decimal(100)

Mapping = Callable[[Decimal, Decimal, Decimal, Decimal], Decimal]


def _linear(baseline: Decimal, frontier: Decimal, local: Decimal, slope: Decimal) -> Decimal:
    return baseline + slope * max(frontier - local, Decimal(0)) / HUNDRED


def _failure_ratio(
    baseline: Decimal, frontier: Decimal, local: Decimal, _slope: Decimal
) -> Decimal:
    return baseline * (HUNDRED - local) / (HUNDRED - frontier)


def _score_ratio(baseline: Decimal, frontier: Decimal, local: Decimal, _slope: Decimal) -> Decimal:
    return baseline * frontier / local


MAPPINGS: dict[str, Mapping] = {
    "linear": _linear,
    "failure_ratio": _failure_ratio,
    "score_ratio": _score_ratio,
}


def local_failure_rate(
    baseline: Decimal,
    frontier_score: Decimal,
    local_score: Decimal,
    mapping: str = "linear",
    slope: Decimal = SEED_SLOPE,
) -> Decimal:
    """The local model's failure rate (capped at 1) from benchmark scores in points."""
    fn = MAPPINGS.get(mapping)
    if fn is None:
        raise InputError(f"unknown capability mapping {mapping!r}; accepted: {', '.join(MAPPINGS)}")
    if not Decimal(0) < local_score <= HUNDRED or not Decimal(0) < frontier_score < HUNDRED:
        raise InputError("benchmark scores must be in (0, 100] points")
    return min(fn(baseline, frontier_score, local_score, slope), Decimal(1))


@dataclass(frozen=True, slots=True)
class CapabilityTax:
    dispatches_per_day: Decimal
    extra_failure_rate: Decimal
    rework_minutes: Decimal
    engineer_rate: Decimal
    daily: Decimal
    monthly: Decimal

    @property
    def extra_failures_per_day(self) -> Decimal:
        return self.dispatches_per_day * self.extra_failure_rate


def capability_tax(
    dispatches_per_day: Decimal,
    extra_failure_rate: Decimal,
    rework_minutes: Decimal,
    engineer_rate: Decimal,
    days_per_month: Decimal = Decimal(30),
) -> CapabilityTax:
    """dispatches x extra failure rate x rework minutes x $/hour, per day and per month."""
    per_day_minutes = dispatches_per_day * extra_failure_rate * rework_minutes * engineer_rate
    daily = per_day_minutes / 60
    return CapabilityTax(
        dispatches_per_day=dispatches_per_day,
        extra_failure_rate=extra_failure_rate,
        rework_minutes=rework_minutes,
        engineer_rate=engineer_rate,
        daily=daily,
        monthly=per_day_minutes * days_per_month / 60,
    )
