"""Kept responses in the ledger database (SQLite or PostgreSQL), shared by every gateway on it.

A row is one response as its client got it, the input its own request added, the response it
continued (``previous``) and its conversation's first response (``root``): a conversation of
n turns is n rows of one turn each, not n copies of a growing history. :meth:`chain` reads a
response and its ancestors in one recursive query. A conversation is kept ``keep_s`` from its
last turn (its root's ``touched_at``, moved on by every turn); one that is not, or whose chain
is broken (a turn deleted), is neither found nor continued, and whichever process notices
deletes such conversations now and then (:data:`SWEEP_EVERY` puts). A response is seen only
by the client key that made it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fulcrum.routing.budget.database import SharedDatabase

SWEEP_EVERY = 200  # puts, on average, between two sweeps of expired conversations
MAX_TURNS = 100_000  # the recursion's bound: a chain longer than this is not followed
Items = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Kept:
    id: str
    client_key: str | None
    created_at: float
    previous: str | None  # the response this one continued
    root: str  # the conversation's first response (its own id for a first one)
    input: Items  # what its request added to the conversation, as input items
    response: dict[str, Any]  # the response object as its client got it


@dataclass(frozen=True, slots=True)
class _Sql:
    put: str
    touch: str
    chain: str
    delete: str
    sweep: str


_COLUMNS = "id, client_key, created_at, previous, root, touched_at, input, response"


def _sql(p: str, same: str) -> _Sql:
    """The statements with placeholder ``p`` and ``same``, the operator that makes two NULLs
    equal (a response made without a client key is found without one)."""
    return _Sql(
        put=f"INSERT INTO responses_kept ({_COLUMNS}) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, "
        f"{p}, {p}) ON CONFLICT (id) DO UPDATE SET client_key = excluded.client_key, "
        "created_at = excluded.created_at, previous = excluded.previous, root = excluded.root, "
        "touched_at = excluded.touched_at, input = excluded.input, response = excluded.response",
        touch=f"UPDATE responses_kept SET touched_at = {p} WHERE id = {p}",
        chain=f"WITH RECURSIVE chain ({_COLUMNS}, depth) AS (SELECT {_COLUMNS}, 0 FROM "
        f"responses_kept WHERE id = {p} AND client_key {same} {p} UNION ALL SELECT "
        + ", ".join(f"r.{c.strip()}" for c in _COLUMNS.split(","))
        + f", c.depth + 1 FROM responses_kept r JOIN chain c ON r.id = c.previous WHERE "
        f"r.client_key {same} {p} AND c.depth < {MAX_TURNS}) SELECT {_COLUMNS} FROM chain "
        "ORDER BY depth DESC",
        delete=f"DELETE FROM responses_kept WHERE id = {p} AND client_key {same} {p}",
        sweep="DELETE FROM responses_kept WHERE root IN (SELECT id FROM responses_kept WHERE "
        f"id = root AND touched_at <= {p})",
    )


DIALECTS: dict[str, _Sql] = {
    "sqlite": _sql("?", "IS"),
    "postgres": _sql("%s", "IS NOT DISTINCT FROM"),
}


class ResponseStore:
    def __init__(
        self, db: SharedDatabase, *, keep_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self._sql = DIALECTS[db.dialect]
        self._keep_s = keep_s
        self._clock = clock

    @property
    def remote(self) -> bool:
        """Whether a call is a network round trip (worth a worker thread)."""
        return self.db.remote

    def put(self, kept: Kept) -> None:
        """Keep ``kept``, and move its conversation's last use (its root's) to now."""
        now = self._clock()
        values = (kept.id, kept.client_key, kept.created_at, kept.previous, kept.root, now,
                  json.dumps(kept.input), json.dumps(kept.response))  # fmt: skip

        def work(conn: Any) -> None:
            conn.execute(self._sql.put, values)
            if kept.root != kept.id:
                conn.execute(self._sql.touch, (now, kept.root))

        self.db.run(work, write=True)
        if random.random() < 1 / SWEEP_EVERY:  # a schedule, not a secret
            self.sweep()

    def chain(self, response_id: str, client_key: str | None) -> list[Kept] | None:
        """The response and every one before it in its conversation, oldest first; None when
        it is not kept for this key, its conversation has expired or a turn of it is gone."""
        args = (response_id, client_key, client_key)
        rows = self.db.run(lambda c: c.execute(self._sql.chain, args).fetchall())
        if not rows:
            return None
        first = rows[0]  # the oldest found: the root, when nothing is missing
        if first[0] != first[4] or float(first[5]) <= self._clock() - self._keep_s:
            return None
        return [_kept(row) for row in rows]

    def get(self, response_id: str, client_key: str | None) -> Kept | None:
        """The response alone (:meth:`chain`'s last), under the same rules."""
        chain = self.chain(response_id, client_key)
        return chain[-1] if chain else None

    def delete(self, response_id: str, client_key: str | None) -> bool:
        """Forget the response (the turns after it can no longer be continued or read)."""
        if self.get(response_id, client_key) is None:
            return False
        args = (response_id, client_key)
        self.db.run(lambda c: c.execute(self._sql.delete, args), write=True)
        return True

    def sweep(self) -> int:
        """Delete the conversations unused for the keep period; return how many rows."""
        cutoff = self._clock() - self._keep_s
        cur = self.db.run(lambda c: c.execute(self._sql.sweep, (cutoff,)), write=True)
        return int(cur.rowcount)


def _kept(row: Any) -> Kept:
    response_id, client_key, created_at, previous, root, _, items, response = row
    return Kept(response_id, client_key, float(created_at), previous, root, json.loads(items),
                json.loads(response))  # fmt: skip
