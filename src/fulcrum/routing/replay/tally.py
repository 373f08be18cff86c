"""What a replay counts, request by request: the recorded side and cost beside the replayed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from fulcrum.ledger import LedgerRow
from fulcrum.routing.brain.verdict import Verdict

Side = str  # "local" | "frontier"


@dataclass(slots=True)
class Money:
    """A sum of amounts, some of which may be unknown (counted, never taken as zero)."""

    total: Decimal = Decimal(0)
    unknown: int = 0
    days: dict[date, Decimal] = field(default_factory=dict)

    def add(self, amount: Decimal | None, day: date) -> None:
        if amount is None:
            self.unknown += 1
            return
        self.total += amount
        self.days[day] = self.days.get(day, Decimal(0)) + amount


@dataclass(slots=True)
class Sides:
    """Requests and tokens, and how many of each were served locally."""

    requests: int = 0
    local_requests: int = 0
    tokens: int = 0
    local_tokens: int = 0

    def add(self, local: bool, tokens: int) -> None:
        self.requests += 1
        self.tokens += tokens
        if local:
            self.local_requests += 1
            self.local_tokens += tokens


@dataclass(slots=True)
class SessionMoves:
    requests: int = 0
    to_local: int = 0
    to_frontier: int = 0


@dataclass(slots=True)
class Tally:
    rows: int = 0
    origins: Counter[str] = field(default_factory=Counter)
    not_replayable: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    scores_from_record: int = 0
    days: set[date] = field(default_factory=set)
    recorded: Sides = field(default_factory=Sides)
    replayed: Sides = field(default_factory=Sides)
    frontier_recorded: Money = field(default_factory=Money)
    frontier_replayed: Money = field(default_factory=Money)
    local_recorded: Money = field(default_factory=Money)
    local_replayed: Money = field(default_factory=Money)
    events: Counter[str] = field(default_factory=Counter)
    first_events: dict[tuple[date, str], tuple[datetime, str]] = field(default_factory=dict)
    rules: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    sessions: dict[str, SessionMoves] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None

    def seen(self, row: LedgerRow, day: date) -> None:
        """A gateway row of the period, replayable or not."""
        self.rows += 1
        self.days.add(day)
        self.first = self.first or row.ts
        self.last = row.ts

    def recorded_row(self, row: LedgerRow, day: date) -> None:
        local = row.backend_kind == "local"
        self.recorded.add(local, row.total_tokens)
        (self.local_recorded if local else self.frontier_recorded).add(row.cost_usd, day)

    def served(self, row: LedgerRow, verdict: Verdict, local: bool, cost: Decimal | None,
               day: date) -> None:  # fmt: skip
        """The replay served ``row`` on a local target (or not), at ``cost``."""
        self.replayed.add(local, row.total_tokens)
        (self.local_replayed if local else self.frontier_replayed).add(cost, day)
        self.rules[verdict.rule or "(none)"] += 1
        self.reasons[verdict.reason] += 1
        for event in verdict.events:
            if event.startswith("budget"):
                window = str(verdict.details.get("budget", "budget")).removeprefix("budget:")
                self.event(event, row.ts, day, window)
        self._moved(row, local)

    def event(self, name: str, at: datetime, day: date, window: str) -> None:
        self.events[name] += 1
        self.first_events.setdefault((day, name), (at, window))

    def refused_row(self, row: LedgerRow, day: date, window: str) -> None:
        self.refused += 1
        self.reasons["budget-refused"] += 1
        self.event("budget-refused", row.ts, day, window)

    def _moved(self, row: LedgerRow, local: bool) -> None:
        if not row.session:
            return
        moves = self.sessions.setdefault(row.session, SessionMoves())
        moves.requests += 1
        was_local = row.backend_kind == "local"
        if local and not was_local:
            moves.to_local += 1
        elif was_local and not local:
            moves.to_frontier += 1
