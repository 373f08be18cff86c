"""Client feedback: ``POST /v1/feedback`` labels a request or a whole session good or bad.

Stored in the ledger database (``ledger_feedback``), so every gateway process sharing it sees
every label, and ``fulcrum router outcomes`` turns them into training rows.

```json
{"request_id": "…", "label": "bad", "note": "wrong file edited"}
{"session_id": "…", "label": "good"}
```

``request_id`` is the ``x-fulcrum-request-id`` header of the answer (the ledger row's id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fulcrum.errors import InvalidRequest, NotFound
from fulcrum.ledger.row import format_ts, new_row_id, parse_ts, utc_now
from fulcrum.routing.budget.database import SharedDatabase

LABELS = ("good", "bad")
KEYS = ("request_id", "session_id", "label", "note")
MAX_NOTE = 2000
MAX_ID = 200
_PLACEHOLDER = {"sqlite": "?", "postgres": "%s"}
_TIME: dict[str, Callable[[datetime], Any]] = {"sqlite": format_ts, "postgres": lambda t: t}


@dataclass(frozen=True, slots=True)
class Feedback:
    label: str
    request_id: str | None = None
    session: str | None = None
    note: str | None = None
    client_key: str | None = None
    id: str = field(default_factory=new_row_id)
    ts: datetime = field(default_factory=utc_now)


def parse_feedback(body: Mapping[str, Any], client_key: str | None = None) -> Feedback:
    """A feedback body, checked: a 400 names the field and what is accepted."""
    InvalidRequest.check_fields(body, KEYS)
    label = body.get("label")
    if label not in LABELS:
        got = "nothing" if label is None else repr(label)
        raise InvalidRequest(f"label: expected one of {', '.join(LABELS)}, got {got}",
                             param="label")  # fmt: skip
    request_id, session = _id(body, "request_id"), _id(body, "session_id")
    if request_id is None and session is None:
        raise InvalidRequest("request_id or session_id: give one (request_id is an answer's "
                             "x-fulcrum-request-id)",
                             param="request_id")  # fmt: skip
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise InvalidRequest(f"note: expected a string of at most {MAX_NOTE} characters",
                             param="note")  # fmt: skip
    return Feedback(label, request_id, session, note, client_key)


def _id(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        raise InvalidRequest(f"{key}: expected a non-empty string of at most {MAX_ID} characters",
                             param=key)  # fmt: skip
    return value.strip()


def check_owner(db: SharedDatabase, fb: Feedback) -> None:
    """A 404 for a label on another client key's request or session (a label trains the
    router: one client must not label another's work). A request or session with no row yet
    (its row is written just after the answer) is let through: ``fulcrum router outcomes``
    uses a label only where its key is the request's."""
    p = _PLACEHOLDER[db.dialect]
    column, value = ("id", fb.request_id) if fb.request_id is not None else ("session", fb.session)
    sql = f"SELECT DISTINCT client_key FROM ledger_calls WHERE {column} = {p}"
    owners = {r[0] for r in db.run(lambda conn: conn.execute(sql, (value,)).fetchall())}
    if owners and fb.client_key not in owners:
        what = "request" if column == "id" else "session"
        raise NotFound(f"No {what} {value!r} of this client key.", param=f"{what}_id")


def record_feedback(db: SharedDatabase, fb: Feedback) -> None:
    p = _PLACEHOLDER[db.dialect]
    ts = _TIME[db.dialect](fb.ts)
    sql = (
        "INSERT INTO ledger_feedback (id, ts, request_id, session, label, note, client_key) "
        f"VALUES ({', '.join([p] * 7)})"
    )
    values = (fb.id, ts, fb.request_id, fb.session, fb.label, fb.note, fb.client_key)
    db.run(lambda conn: conn.execute(sql, values), write=True)


def read_feedback(db: SharedDatabase) -> list[Feedback]:
    """Every label, oldest first."""
    sql = (
        "SELECT id, ts, request_id, session, label, note, client_key FROM ledger_feedback "
        "ORDER BY ts, id"
    )
    rows = db.run(lambda conn: conn.execute(sql).fetchall())
    return [
        Feedback(
            label=r[4],
            request_id=r[2],
            session=r[3],
            note=r[5],
            client_key=r[6],
            id=r[0],
            ts=parse_ts(r[1]),
        )
        for r in rows
    ]
