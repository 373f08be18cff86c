"""The gateway's recorded requests, reduced to what the outcome signals read.

Each gateway row of the ledger (oldest first, ``since``/``until`` applied; eval rows are not
requests) becomes a :class:`Request`: whether it was answered and by which kind of backend,
its session and lane, whether it escalated, its failed attempts, and the current turn's text
and agent features rebuilt from its stored body by
:func:`fulcrum.routing.replay.rebuild.rebuild`, as ``route replay`` rebuilds them. A row
without a stored body (``store_bodies = false``) has the text ``""``: its lane and agent
features still come from the recorded decision when there is one. A row's body is dropped as
soon as it is read, and the ledger is read one UTC day at a time.

The feedback table (``POST /v1/feedback``) is read from the same database, oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from fulcrum.kinds import BackendKind
from fulcrum.ledger import LedgerRow, LedgerUnavailable, open_store
from fulcrum.ledger.factory import DATABASE_ERRORS
from fulcrum.routing.budget.database import open_database
from fulcrum.routing.config import BackendCaps, RoutingConfig
from fulcrum.routing.outcomes.feedback import Feedback, read_feedback
from fulcrum.routing.replay.cli import read_rows
from fulcrum.routing.replay.rebuild import Item, decision_of, rebuild
from fulcrum.routing.secrets import scan

ESCALATIONS = ("escalate:", "handoff:")  # the route reasons of a session moved to the frontier
SIDES: dict[str, BackendKind] = {"local": "local", "frontier": "api"}
# rebuild() reads only the background-model globs of a routing config: the defaults here.
_ROUTING = RoutingConfig(backends=(BackendCaps("recorded", "local"),))


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt of a request."""

    backend: str
    status: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Request:
    """One gateway request as the signals see it (no body)."""

    id: str
    ts: datetime
    session: str | None
    lane: str
    answered: bool  # a 2xx/3xx with no error: a backend answered it
    kind_answered: BackendKind  # the kind of the backend that answered (or was tried last)
    escalation: bool  # a session moved to the frontier at this request
    failures: tuple[Failure, ...] = ()
    text: str = ""  # the current turn's text; "" when it cannot be recovered
    kind: str = "other"
    tools: int = 0
    tokens: int = 0
    turn: int = 0
    tool_errors: int = 0
    client_key: str | None = None  # the name of the key it came with: a label needs the same
    secret: bool = False  # the gateway found a secret in it, or its text holds one

    @property
    def local(self) -> bool:
        """Answered by a local backend."""
        return self.answered and self.kind_answered == "local"

    @property
    def frontier(self) -> bool:
        """Answered by a frontier backend."""
        return self.answered and self.kind_answered == "api"


@dataclass(slots=True)
class Recorded:
    """What the ledger holds for the signals."""

    ledger: str
    requests: list[Request] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    kinds: dict[str, BackendKind] = field(default_factory=dict)  # backend name -> its kind


def request_of(row: LedgerRow) -> Request:
    """The request a gateway row records (its text and features rebuilt when possible)."""
    item = rebuild(row, _ROUTING)
    failures = tuple(Failure(a.backend, a.status, a.reason or "") for a in row.attempts if a.failed)
    base = Request(
        id=row.id,
        ts=row.ts,
        session=row.session,
        lane=item.lane if isinstance(item, Item) else "main",
        answered=row.status < 400 and row.error is None,
        kind_answered=row.backend_kind,
        escalation=(row.route_reason or "").startswith(ESCALATIONS),
        failures=failures,
        client_key=row.client_key,
    )
    if not isinstance(item, Item):
        return base
    f = item.features  # rebuilt from recorded features only, it has no text
    found = decision_of(row).get("features")
    secret = bool(isinstance(found, dict) and found.get("secrets")) or bool(scan(f.text))
    return replace(base, text=f.text, kind=f.kind, tools=f.tool_count,
                   tokens=f.estimated_tokens, turn=f.turn, tool_errors=f.tool_errors,
                   secret=secret)  # fmt: skip


def note_kinds(kinds: dict[str, BackendKind], row: LedgerRow) -> None:
    """Learn backend kinds from a row: the backend it names, and its decision's target."""
    if row.backend:
        kinds.setdefault(row.backend, row.backend_kind)
    decision = decision_of(row)
    target, side = decision.get("target"), decision.get("side")
    if isinstance(target, str) and target and side in SIDES:
        kinds.setdefault(target.split("/", 1)[0], SIDES[str(side)])


def collect(rows: Iterable[LedgerRow], into: Recorded) -> None:
    for row in rows:
        if row.source != "gateway":
            continue
        note_kinds(into.kinds, row)
        into.requests.append(request_of(row))


def read_recorded(url: str | None, since: datetime | None, until: datetime | None) -> Recorded:
    """The gateway requests in ``[since, until)`` and every feedback label, from the ledger at
    ``url`` (``None``: SQLite in the data directory). A ledger that is missing, unreachable or
    unreadable is one :class:`LedgerUnavailable`."""
    store = open_store(url, create=False)
    recorded = Recorded(ledger=store.description)
    try:
        collect(read_rows(store, since, until), recorded)
    except DATABASE_ERRORS as exc:
        raise LedgerUnavailable(f"cannot read the ledger: {str(exc).strip()}") from None
    finally:
        store.close()
    db = open_database(url)
    try:
        recorded.feedback = read_feedback(db)
    except DATABASE_ERRORS as exc:
        raise LedgerUnavailable(f"cannot read the feedback table: {str(exc).strip()}") from None
    finally:
        db.close()
    return recorded
