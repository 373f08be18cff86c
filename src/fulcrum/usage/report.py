"""The usage report: daily API-equivalent spend, groups, token mix and 5-hour blocks.

Every record is priced on its own day (:mod:`fulcrum.usage.pricing`). A call whose model
has no price is counted in ``unknown`` and its model listed; it adds nothing to the dollar
sums, which are therefore lower bounds whenever ``unknown`` is non-zero. Daily figures run
over every calendar day from the first to the last day with usage in the window (days
without calls count as $0); p95 is nearest-rank, as in the ledger report. A 5-hour block
starts at the hour (floored, UTC) of the first call after the previous block ended and
lasts five hours, the window Claude Code's subscription limits are counted in. Buckets of a
provider export count in the days and groups as the totals they are (``calls`` adds their
request counts where given, ``buckets`` counts them) and in no 5-hour block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from fulcrum.ledger.report import p95
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.records import UsageRecord

BLOCK = timedelta(hours=5)
GROUPS: dict[str, Callable[[UsageRecord], str]] = {
    "model": lambda r: r.model,
    "project": lambda r: r.project or "(unknown)",
    "session": lambda r: r.session or "(none)",
    "day": lambda r: r.ts.date().isoformat(),
}


@dataclass(slots=True)
class Totals:
    calls: int = 0
    buckets: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    unknown: int = 0
    records: int = 0

    def add(self, r: UsageRecord, cost: Decimal | None) -> None:
        self.records += 1
        self.calls += r.calls
        self.buckets += r.is_bucket
        self.input_tokens += r.input_tokens
        self.output_tokens += r.output_tokens
        self.cache_write_tokens += r.cache_write_tokens
        self.cache_read_tokens += r.cache_read_tokens
        if cost is None:
            self.unknown += 1
        else:
            self.cost_usd += cost

    @property
    def cost(self) -> Decimal | None:
        """The priced calls' dollars; ``None`` when no call had a price."""
        return None if self.records and self.unknown == self.records else self.cost_usd

    @property
    def tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "buckets": self.buckets,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cost_usd": None if self.cost is None else str(self.cost),
            "calls_unknown_price": self.unknown,
        }


@dataclass(slots=True)
class Block:
    start: datetime
    totals: Totals = field(default_factory=Totals)

    @property
    def end(self) -> datetime:
        return self.start + BLOCK


@dataclass(frozen=True, slots=True)
class UsageReport:
    since: datetime
    until: datetime
    by: str
    total: Totals
    groups: dict[str, Totals]
    days: dict[date, Totals]
    blocks: list[Block]
    unknown_models: list[str]

    @property
    def daily(self) -> list[Decimal]:
        return [t.cost_usd for t in self.days.values()]

    @property
    def mean_daily_usd(self) -> Decimal | None:
        return sum(self.daily, Decimal(0)) / len(self.daily) if self.daily else None

    @property
    def p95_daily_usd(self) -> Decimal | None:
        return p95(self.daily)

    @property
    def days_with_unknown(self) -> int:
        return sum(1 for t in self.days.values() if t.unknown)

    @property
    def max_daily_usd(self) -> Decimal | None:
        return max(self.daily) if self.daily else None


def _days(records: list[UsageRecord]) -> dict[date, Totals]:
    if not records:
        return {}
    first, last = records[0].ts.date(), records[-1].ts.date()
    return {first + timedelta(days=i): Totals() for i in range((last - first).days + 1)}


def build_report(
    records: list[UsageRecord], pricer: Pricer, *, by: str, since: datetime, until: datetime
) -> UsageReport:
    """``records`` oldest first (as :meth:`UsageStore.records` returns them)."""
    key = GROUPS[by]
    total, groups, days = Totals(), dict[str, Totals](), _days(records)
    blocks: list[Block] = []
    unknown: set[str] = set()
    for r in records:
        cost = pricer.cost(r)
        if cost is None:
            unknown.add(r.model)
        for bucket in (total, groups.setdefault(key(r), Totals()), days[r.ts.date()]):
            bucket.add(r, cost)
        if r.is_bucket:  # a provider's total over hours or a day: no place in a block
            continue
        if not blocks or r.ts >= blocks[-1].end:
            blocks.append(Block(r.ts.replace(minute=0, second=0, microsecond=0)))
        blocks[-1].totals.add(r, cost)
    ordered = dict(sorted(groups.items(), key=lambda kv: (-kv[1].cost_usd, kv[0])))
    if by == "day":
        ordered = dict(sorted(groups.items()))
    return UsageReport(since, until, by, total, ordered, days, blocks, sorted(unknown))
