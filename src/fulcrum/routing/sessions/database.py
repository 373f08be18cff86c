"""Session pins in the ledger database (SQLite or PostgreSQL): every gateway process on it sees
the same pins, so a session keeps its target whichever process serves its next request.

``get`` is one indexed read; it refreshes the sliding TTL (a write) only when the last touch is
older than ``touch_s``, so a busy session costs one write a minute, not one per request.
Expired pins are deleted every ``sweep_s`` seconds by whichever process notices. An optional
local read cache (``cache_s``, default 0: none) saves reads, at the price of seeing another
process's re-pin up to ``cache_s`` late; a process always sees its own puts at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget.database import SharedDatabase
from fulcrum.routing.sessions.pin import DEFAULT_TTL_S, PinSide, SessionPin

_COLUMNS = "backend, model, side, rule, decided_by, decided_at, decision, touched_at"


@dataclass(frozen=True, slots=True)
class _Sql:
    get: str
    put: str
    touch: str
    forget: str
    sweep: str


def _sql(p: str, json_param: str) -> _Sql:
    """The statements with placeholder ``p`` (``?`` or ``%s``)."""
    return _Sql(
        get=f"SELECT {_COLUMNS} FROM route_sessions WHERE session = {p} AND lane = {p} "
        f"AND touched_at > {p}",
        put=f"INSERT INTO route_sessions (session, lane, {_COLUMNS}) VALUES ({p}, {p}, {p}, "
        f"{p}, {p}, {p}, {p}, {p}, {json_param}, {p}) ON CONFLICT (session, lane) DO UPDATE "
        "SET backend = excluded.backend, model = excluded.model, side = excluded.side, "
        "rule = excluded.rule, decided_by = excluded.decided_by, decided_at = "
        "excluded.decided_at, decision = excluded.decision, touched_at = excluded.touched_at",
        touch=f"UPDATE route_sessions SET touched_at = {p} WHERE session = {p} AND lane = {p}",
        forget=f"DELETE FROM route_sessions WHERE session = {p}",
        sweep=f"DELETE FROM route_sessions WHERE touched_at <= {p}",
    )


# SharedDatabase.dialect -> its statements
DIALECTS: dict[str, _Sql] = {"sqlite": _sql("?", "?"), "postgres": _sql("%s", "%s::jsonb")}


class JSONObject(Mapping[str, Any]):
    """A JSON object's text, parsed on first use: a pin's ``decision`` is fetched with it on
    every request of the session, and read seldom (``route explain``, tests)."""

    __slots__ = ("_data", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._data: dict[str, Any] | None = None

    def _parsed(self) -> dict[str, Any]:
        if self._data is None:
            data = json.loads(self._text)
            self._data = data if isinstance(data, dict) else {}
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())

    def __repr__(self) -> str:
        return repr(self._parsed())


def _pin(row: tuple[Any, ...]) -> SessionPin:
    backend, model, side, rule, decided_by, decided_at, decision, _ = row
    data = decision if isinstance(decision, dict) else JSONObject(decision)
    return SessionPin(
        backend, model, cast(PinSide, side), rule, decided_by, float(decided_at), data
    )


class DatabaseSessionStore:
    shared = True

    def __init__(
        self,
        db: SharedDatabase,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        touch_s: float = 60.0,
        sweep_s: float = 300.0,
        cache_s: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self._sql = DIALECTS[db.dialect]
        self._ttl, self._touch, self._sweep_s, self._cache_s = ttl_s, touch_s, sweep_s, cache_s
        self._clock = clock
        self._next_sweep = clock() + sweep_s
        self._cache: dict[tuple[str, str], tuple[float, SessionPin]] = {}
        self._lock = threading.Lock()

    def get(self, session: str, lane: str) -> SessionPin | None:
        if self._ttl <= 0:
            return None
        now = self._clock()
        if self._cache_s > 0 and (cached := self._cached(session, lane, now)) is not None:
            return cached
        try:
            row = self.db.run(
                lambda c: c.execute(self._sql.get, (session, lane, now - self._ttl)).fetchone()
            )
        except LedgerUnavailable:  # an outage: the turn is decided afresh, as a new session's
            return None
        if row is None:
            return None
        if now - float(row[-1]) >= self._touch:
            self.db.run(lambda c: c.execute(self._sql.touch, (now, session, lane)), write=True)
        pin = _pin(tuple(row))
        if self._cache_s > 0:
            self._remember(session, lane, pin, now)
        return pin

    def peek(self, session: str, lane: str) -> SessionPin | None:
        if self._ttl <= 0:
            return None
        now = self._clock()
        row = self.db.run(
            lambda c: c.execute(self._sql.get, (session, lane, now - self._ttl)).fetchone()
        )
        return None if row is None else _pin(tuple(row))

    def put(self, session: str, lane: str, pin: SessionPin) -> None:
        if self._ttl <= 0:
            return
        now = self._clock()
        pin = pin.stamped(now)
        values = (session, lane, pin.backend, pin.model, pin.side, pin.rule, pin.decided_by,
                  pin.decided_at, pin.decision_json(), now)  # fmt: skip
        try:
            self.db.run(lambda c: c.execute(self._sql.put, values), write=True)
        except LedgerUnavailable:  # an outage: the pin is written by a later turn
            return
        if self._cache_s > 0:
            self._remember(session, lane, pin, now)
        if now >= self._next_sweep:
            self.sweep()

    def forget(self, session: str) -> None:
        with self._lock:
            for key in [k for k in self._cache if k[0] == session]:
                del self._cache[key]
        self.db.run(lambda c: c.execute(self._sql.forget, (session,)), write=True)

    def sweep(self) -> int:
        """Delete the pins unused for ``ttl_s``; return how many."""
        now = self._clock()
        self._next_sweep = now + self._sweep_s
        cur = self.db.run(lambda c: c.execute(self._sql.sweep, (now - self._ttl,)), write=True)
        return int(cur.rowcount)

    def close(self) -> None:
        self.db.close()

    def _cached(self, session: str, lane: str, now: float) -> SessionPin | None:
        with self._lock:
            hit = self._cache.get((session, lane))
        return hit[1] if hit is not None and now - hit[0] < self._cache_s else None

    def _remember(self, session: str, lane: str, pin: SessionPin, now: float) -> None:
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[(session, lane)] = (now, pin)
