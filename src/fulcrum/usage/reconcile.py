"""Reconcile two sources of the same calls: Claude Code's logs against the gateway's ledger.

The ledger row does not record the upstream's message id, so calls are matched on what both
sources carry: the session id (the gateway reads Claude Code's), the time (within
``tolerance``) and the token counts. For each record of source ``a``, oldest first, the
candidate of source ``b`` in the same session and time window is chosen by: same model
first, then the smallest difference in prompt tokens (input + cache write + cache read),
then the nearest time. Each record is matched at most once; what is left is reported as
unmatched on its side.

Matched pairs are summed per day and per model (``a``'s model), tokens and API-equivalent
dollars on each side and the difference ``b - a``. Known causes of a difference are
counted per pair: the log's ``input_tokens`` being a placeholder (smaller than the ledger's),
log ``output_tokens`` short of the ledger's (thinking tokens, or a stream logged before its
final usage), and cache tokens split differently (cache tiers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from fulcrum.usage.pricing import Pricer
from fulcrum.usage.records import UsageRecord

DEFAULT_TOLERANCE = timedelta(minutes=5)
CALL_CAUSES = {
    "input_placeholder": "log input_tokens is a placeholder (below the ledger's)",
    "output_short": "log output_tokens short of the ledger's (thinking tokens not logged)",
    "cache_tiers": "cache write/read tokens split differently (cache tiers)",
}
BUCKET_CAUSES = {  # calls against a provider's export (fulcrum.usage.reconcile_buckets)
    "export_wider": "the export counts more requests or tokens (its scope takes in other "
    "clients, keys or machines)",
    "stated_cost": "the export states its cost (after discounts, batch or priority tiers); "
    "the calls are priced at list prices",
    "missing_in_export": "calls with no export bucket for their day and model",
}
CAUSES = {**CALL_CAUSES, **BUCKET_CAUSES}
PER_CALL_KEY = "session + time + model + token counts (the ledger has no message id)"
TOKEN_NAMES = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")


def _prompt(r: UsageRecord) -> int:
    return r.input_tokens + r.cache_write_tokens + r.cache_read_tokens


def match(
    a: list[UsageRecord], b: list[UsageRecord], tolerance: timedelta = DEFAULT_TOLERANCE
) -> tuple[list[tuple[UsageRecord, UsageRecord]], list[UsageRecord], list[UsageRecord]]:
    """Pairs ``(a, b)``, then what is left unmatched in ``a`` and in ``b``."""
    free: dict[str | None, list[UsageRecord]] = defaultdict(list)
    for r in sorted(b, key=lambda r: r.ts):
        free[r.session].append(r)
    pairs: list[tuple[UsageRecord, UsageRecord]] = []
    left: list[UsageRecord] = []
    for r in sorted(a, key=lambda r: r.ts):
        candidates = [c for c in free.get(r.session, []) if abs(c.ts - r.ts) <= tolerance]
        if r.session is None or not candidates:
            left.append(r)
            continue
        best = min(
            candidates,
            key=lambda c: (c.model != r.model, abs(_prompt(c) - _prompt(r)), abs(c.ts - r.ts)),
        )
        free[r.session].remove(best)
        pairs.append((r, best))
    right = sorted((r for rs in free.values() for r in rs), key=lambda r: r.ts)
    return pairs, left, right


@dataclass(slots=True)
class Side:
    tokens: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    cost_usd: Decimal = Decimal(0)
    unknown: int = 0

    def add(self, r: UsageRecord, cost: Decimal | None) -> None:
        for i, name in enumerate(TOKEN_NAMES):
            self.tokens[i] += getattr(r, name)
        if cost is None:
            self.unknown += 1
        else:
            self.cost_usd += cost


@dataclass(slots=True)
class Diff:
    """Matched calls of one day or model: each side's tokens and dollars."""

    calls: int = 0
    a: Side = field(default_factory=Side)
    b: Side = field(default_factory=Side)

    def add(self, pair: tuple[UsageRecord, UsageRecord], pricer: Pricer) -> None:
        self.calls += 1
        self.a.add(pair[0], pricer.cost(pair[0]))
        self.b.add(pair[1], pricer.cost(pair[1]))

    @property
    def token_diff(self) -> list[int]:
        return [y - x for x, y in zip(self.a.tokens, self.b.tokens, strict=True)]

    @property
    def cost_diff(self) -> Decimal | None:
        """``b - a`` in dollars; ``None`` when a call on either side has no known price."""
        if self.a.unknown or self.b.unknown:
            return None
        return self.b.cost_usd - self.a.cost_usd


@dataclass(slots=True)
class Reconciliation:
    a_source: str
    b_source: str
    total: Diff
    by_day: dict[str, Diff]
    by_model: dict[str, Diff]
    unmatched_a: list[UsageRecord]
    unmatched_b: list[UsageRecord]
    causes: dict[str, int]
    match_key: str = PER_CALL_KEY

    @property
    def empty(self) -> bool:
        """Nothing on either side: nothing was compared."""
        return not (self.total.calls or self.unmatched_a or self.unmatched_b)

    @property
    def agrees(self) -> bool | None:
        """Every call matched and the token totals equal; ``None`` when nothing was compared."""
        if self.empty:
            return None
        return not (self.unmatched_a or self.unmatched_b or any(self.total.token_diff))


def causes_of(a: UsageRecord, b: UsageRecord) -> list[str]:
    found = []
    if a.input_tokens < b.input_tokens:
        found.append("input_placeholder")
    if a.output_tokens < b.output_tokens:
        found.append("output_short")
    if (a.cache_write_tokens, a.cache_read_tokens) != (b.cache_write_tokens, b.cache_read_tokens):
        found.append("cache_tiers")
    return found


def reconcile(
    a: list[UsageRecord],
    b: list[UsageRecord],
    pricer: Pricer,
    *,
    names: tuple[str, str] = ("claude-code", "ledger"),
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> Reconciliation:
    pairs, left, right = match(a, b, tolerance)
    total = Diff()
    days: dict[str, Diff] = defaultdict(Diff)
    models: dict[str, Diff] = defaultdict(Diff)
    causes = dict.fromkeys(CALL_CAUSES, 0)
    for pair in pairs:
        for bucket in (total, days[pair[0].ts.date().isoformat()], models[pair[0].model]):
            bucket.add(pair, pricer)
        for cause in causes_of(*pair):
            causes[cause] += 1
    return Reconciliation(
        names[0], names[1], total, dict(sorted(days.items())), dict(sorted(models.items())),
        left, right, causes,
    )  # fmt: skip
