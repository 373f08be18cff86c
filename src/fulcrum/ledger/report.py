"""Ledger reports: spend per day, local share, savings, mean and p95 daily spend, by group.

Money sums cover the calls whose amount is known; each sum carries the count of calls whose
amount is unknown, so a report never shows an unknown price as $0. A day with no calls
between the first and the last day of the range spent $0, and counts in the mean and p95.
p95 uses the nearest-rank method (the smallest value with at least 95% of days at or below).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fulcrum.ledger.store import UNSERVED, Aggregate


@dataclass(frozen=True, slots=True)
class Bucket:
    """Totals for one day, one group, or the whole range."""

    key: str
    calls: int = 0
    local_calls: int = 0
    tokens: int = 0
    local_tokens: int = 0
    cost_usd: Decimal | None = Decimal(0)
    cost_unknown: int = 0
    counterfactual_usd: Decimal | None = Decimal(0)
    counterfactual_unknown: int = 0
    saving_usd: Decimal | None = Decimal(0)
    saving_unknown: int = 0
    unserved_calls: int = 0  # refused before any backend: left out of the local share

    @property
    def local_share_calls(self) -> float | None:
        served = self.calls - self.unserved_calls
        return self.local_calls / served if served else None

    @property
    def local_share_tokens(self) -> float | None:
        return self.local_tokens / self.tokens if self.tokens else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "calls": self.calls,
            "local_calls": self.local_calls,
            "local_share_calls": self.local_share_calls,
            "unserved_calls": self.unserved_calls,
            "tokens": self.tokens,
            "local_tokens": self.local_tokens,
            "local_share_tokens": self.local_share_tokens,
            "cost_usd": _money(self.cost_usd),
            "cost_unknown_calls": self.cost_unknown,
            "counterfactual_usd": _money(self.counterfactual_usd),
            "counterfactual_unknown_calls": self.counterfactual_unknown,
            "saving_usd": _money(self.saving_usd),
            "saving_unknown_calls": self.saving_unknown,
        }


MICRO_USD = Decimal("0.000001")  # JSON money: a millionth of a dollar keeps local calls visible


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(MICRO_USD):f}"


def merge(key: str, aggregates: Iterable[Aggregate]) -> Bucket:
    calls = local_calls = tokens = local_tokens = unserved = 0
    sums: dict[str, Decimal] = {}
    unknown = {"cost": 0, "counterfactual": 0, "saving": 0}
    for agg in aggregates:
        calls += agg.calls
        tokens += agg.tokens
        if agg.backend_kind == "local":
            local_calls += agg.calls
            local_tokens += agg.tokens
        elif agg.backend_kind == UNSERVED:
            unserved += agg.calls
        for name, amount, missing in (
            ("cost", agg.cost_usd, agg.cost_unknown),
            ("counterfactual", agg.counterfactual_usd, agg.counterfactual_unknown),
            ("saving", agg.saving_usd, agg.saving_unknown),
        ):
            unknown[name] += missing
            if amount is not None:
                sums[name] = sums.get(name, Decimal(0)) + amount

    def total(name: str) -> Decimal | None:
        # No calls spent $0; calls whose amounts are all unknown sum to unknown.
        return Decimal(0) if calls == 0 else sums.get(name)

    return Bucket(
        key=key,
        calls=calls,
        local_calls=local_calls,
        tokens=tokens,
        local_tokens=local_tokens,
        unserved_calls=unserved,
        cost_usd=total("cost"),
        cost_unknown=unknown["cost"],
        counterfactual_usd=total("counterfactual"),
        counterfactual_unknown=unknown["counterfactual"],
        saving_usd=total("saving"),
        saving_unknown=unknown["saving"],
    )


def p95(values: list[Decimal]) -> Decimal | None:
    """Nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(0.95 * len(ordered))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True, slots=True)
class Report:
    by: str | None
    days: list[Bucket]
    groups: list[Bucket]
    total: Bucket
    mean_daily_usd: Decimal | None
    p95_daily_usd: Decimal | None
    days_with_unknown_cost: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "total": self.total.as_dict(),
            "mean_daily_usd": _money(self.mean_daily_usd),
            "p95_daily_usd": _money(self.p95_daily_usd),
            "days_with_unknown_cost": self.days_with_unknown_cost,
            "days": [b.as_dict() for b in self.days],
            "groups": [b.as_dict() for b in self.groups],
        }


def build_report(aggregates: list[Aggregate], by: str | None = None) -> Report:
    """Fold the store's (day, group, kind) sums into days, groups and a total."""
    by_day: dict[date, list[Aggregate]] = {}
    by_group: dict[str, list[Aggregate]] = {}
    for agg in aggregates:
        by_day.setdefault(agg.day, []).append(agg)
        by_group.setdefault("(none)" if agg.group is None else agg.group, []).append(agg)
    days: list[Bucket] = []
    if by_day:
        first, last = min(by_day), max(by_day)
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            days.append(merge(day.isoformat(), by_day.get(day, [])))
    groups = [merge(key, aggs) for key, aggs in by_group.items()] if by else []
    groups.sort(key=lambda b: (-(b.cost_usd or Decimal(0)), -b.calls, b.key))
    spends = [b.cost_usd for b in days if b.cost_usd is not None]
    mean = sum(spends, Decimal(0)) / len(spends) if spends else None
    return Report(
        by=by,
        days=days,
        groups=groups,
        total=merge("total", aggregates),
        mean_daily_usd=mean,
        p95_daily_usd=p95(spends),
        days_with_unknown_cost=sum(1 for b in days if b.cost_unknown),
    )
