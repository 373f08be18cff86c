"""One ledger row per request, and its conversion to and from database values.

Money is ``Decimal`` in US dollars; ``None`` means *unknown* (no price for that model, no
duration for a local call), never zero. Timestamps are timezone-aware and kept in UTC.

No field holds credentials: the gateway never passes API keys or auth headers here.
``request_body`` and ``response_body`` hold JSON text only when the gateway runs with
``store_bodies = true``; otherwise the gateway passes ``None`` and nothing of the prompt or
the answer is kept.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from fulcrum.errors import InputError
from fulcrum.kinds import BACKEND_KINDS, BackendKind
from fulcrum.ledger.attempts import Attempt, dump_attempts, load_attempts

Source = Literal["gateway", "eval"]

SOURCES: tuple[str, ...] = ("gateway", "eval")
MONEY_FIELDS: tuple[str, ...] = ("cost_usd", "counterfactual_usd", "saving_usd")
TOKEN_FIELDS: tuple[str, ...] = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
)


_V7_KEEP = (1 << 80) - 1 & ~(0xF << 76) & ~(0x3 << 62)  # the random bits of a version 7
_V7_SET = (0x7 << 76) | (0x2 << 62)  # its version and variant


def new_row_id() -> str:
    """A time-ordered (version 7, RFC 9562) UUID as 32 hex digits: milliseconds since the
    epoch, then random bits. Rows arrive in time order, so each insert lands at the end of
    the id's index instead of on a random page of it (at a few thousand rows a second, a
    random id dirtied a page of that index per row of every transaction). The random bits
    come from :mod:`random` (seeded from the OS, reseeded after a fork), not ``os.urandom``,
    a system call per row: the id only has to be unique, not unguessable."""
    ms = time.time_ns() // 1_000_000
    return f"{(ms << 80) | (random.getrandbits(80) & _V7_KEEP) | _V7_SET:032x}"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerRow:
    """One call through the gateway (or one eval run), with its true cost."""

    id: str = field(default_factory=new_row_id)
    ts: datetime = field(default_factory=utc_now)
    session: str | None = None
    client: str | None = None
    client_key: str | None = None  # the NAME of the client key it came with, never the key
    route: str | None = None
    route_reason: str | None = None
    backend: str = ""
    backend_kind: BackendKind = "api"
    provider: str | None = None
    model: str = ""
    endpoint: str = ""
    stream: bool = False
    status: int = 200
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    ttft_ms: float | None = None
    duration_ms: float | None = None
    decode_tps: float | None = None
    # A local call's share of its machine's busy time: while n calls run on the machine at
    # once each is charged 1/n of the elapsed time (None: not a local call, or not known).
    busy_ms: float | None = None
    tool_repairs: int = 0
    tool_retries: int = 0
    # Every try of every backend for this call, in order (empty: not recorded, e.g. an eval).
    attempts: tuple[Attempt, ...] = ()
    # The routing brain's decision: the policy rule that fired, the learned router's
    # P(frontier needed) and the threshold in force, and the rest (share controller state,
    # budget event, latency spill, request kind, features) as one JSON object.
    # Tokens the gateway added to the request before sending it (context snippets retrieved
    # for the current turn on a local route); counted in input_tokens as the upstream billed.
    context_tokens: int = 0
    rule: str | None = None
    frontier_score: float | None = None
    threshold: float | None = None
    decision: str | None = None
    cost_usd: Decimal | None = None
    counterfactual_usd: Decimal | None = None
    saving_usd: Decimal | None = None
    request_body: str | None = None
    response_body: str | None = None
    source: Source = "gateway"

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None or self.ts.utcoffset() is None:
            raise InputError(
                "LedgerRow.ts: a naive datetime was given; pass a timezone-aware one (UTC)"
            )
        if self.ts.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "ts", self.ts.astimezone(UTC))
        if self.backend_kind not in BACKEND_KINDS:
            raise InputError(
                f"LedgerRow.backend_kind: {self.backend_kind!r} is not accepted; "
                f"use one of {', '.join(BACKEND_KINDS)}"
            )
        if self.source not in SOURCES:
            raise InputError(
                f"LedgerRow.source: {self.source!r} is not accepted; "
                f"use one of {', '.join(SOURCES)}"
            )
        for name in (*TOKEN_FIELDS, "tool_repairs", "tool_retries", "context_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"LedgerRow.{name}: {value!r} is not a non-negative integer")
        for name in MONEY_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                raise InputError(f"LedgerRow.{name}: {value!r} is not a Decimal or None")
        if not all(isinstance(a, Attempt) for a in self.attempts):
            raise InputError(f"LedgerRow.attempts: {self.attempts!r} is not a tuple of Attempt")

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )

    def with_costs(
        self,
        cost_usd: Decimal | None,
        counterfactual_usd: Decimal | None,
        saving_usd: Decimal | None,
    ) -> LedgerRow:
        """A copy with the three amounts set (checked; the rest was checked when built), or
        the row itself when it has them already (a row priced twice)."""
        money = (cost_usd, counterfactual_usd, saving_usd)
        for name, value in zip(MONEY_FIELDS, money, strict=True):
            if value is not None and not isinstance(value, Decimal):
                raise InputError(f"LedgerRow.{name}: {value!r} is not a Decimal or None")
        if all(map(operator.is_, money, (self.cost_usd, self.counterfactual_usd, self.saving_usd))):
            return self
        return _copy_with_money(self, *money)


COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(LedgerRow))
_ALL = operator.attrgetter(*COLUMNS)
_TS, _STREAM, _ATTEMPTS = (COLUMNS.index(n) for n in ("ts", "stream", "attempts"))
_MONEY = tuple(COLUMNS.index(n) for n in MONEY_FIELDS)
_SLOTS: tuple[Any, ...] = tuple(LedgerRow.__dict__[n] for n in COLUMNS)  # slot descriptors


def _money_copier() -> Callable[..., LedgerRow]:
    """``copy(row, cost, counterfactual, saving)``: a new row with those three amounts and the
    rest of ``row``'s fields. Generated once, as dataclasses generate ``__init__``: one slot
    store per field, without a loop, costs half as much, and the gateway prices every row."""
    money = dict(zip(MONEY_FIELDS, ("cost", "counterfactual", "saving"), strict=True))
    body = [f"    set_{i}(new, {money.get(n, f'row.{n}')})" for i, n in enumerate(COLUMNS)]
    head = ["def copy(row, cost, counterfactual, saving):", "    new = new_object(LedgerRow)"]
    source = "\n".join([*head, *body, "    return new"])
    scope: dict[str, Any] = {"new_object": object.__new__, "LedgerRow": LedgerRow}
    scope.update((f"set_{i}", slot.__set__) for i, slot in enumerate(_SLOTS))
    exec(source, scope)
    copy: Callable[..., LedgerRow] = scope["copy"]
    return copy


_copy_with_money = _money_copier()


def row_values(row: LedgerRow, *, text_time: bool) -> tuple[Any, ...]:
    """The row as a tuple in :data:`COLUMNS` order, ready for a parameterized INSERT.

    ``text_time`` stores the timestamp as fixed-width ISO-8601 UTC text (SQLite), which sorts
    and compares correctly as text; otherwise it stays a ``datetime`` (PostgreSQL).
    Money goes in as text for SQLite so no digit is lost to floating point.
    """
    values: list[Any] = list(_ALL(row))
    if text_time:
        values[_TS] = format_ts(values[_TS])
        values[_STREAM] = int(values[_STREAM])
        for index in _MONEY:
            if values[index] is not None:
                values[index] = str(values[index])
    values[_ATTEMPTS] = dump_attempts(values[_ATTEMPTS])
    return tuple(values)


def format_ts(ts: datetime) -> str:
    """Fixed-width ISO-8601 UTC text, ``2026-12-01T14:04:04.000123Z``."""
    if ts.tzinfo is UTC:  # a row's own timestamp: only its "+00:00" to replace
        return ts.isoformat(timespec="microseconds")[:-6] + "Z"
    utc = ts.astimezone(UTC).replace(tzinfo=None)
    return f"{utc.isoformat(timespec='microseconds')}Z"


def parse_ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    text = str(value).replace("Z", "+00:00")
    return datetime.fromisoformat(text).astimezone(UTC)


def decision_text(value: Any) -> str | None:
    """The ``decision`` column as JSON text (a ``jsonb`` column reads back as a dict)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def row_from_values(values: tuple[Any, ...]) -> LedgerRow:
    """Inverse of :func:`row_values` for either store."""
    data = dict(zip(COLUMNS, values, strict=True))
    data["ts"] = parse_ts(data["ts"])
    data["stream"] = bool(data["stream"])
    data["attempts"] = load_attempts(data["attempts"])
    data["decision"] = decision_text(data["decision"])
    for name in MONEY_FIELDS:
        if data[name] is not None:
            data[name] = Decimal(str(data[name]))
    return LedgerRow(**data)
