"""Kept responses in the ledger database (SQLite or PostgreSQL), shared by every gateway on it.

A row is one response as its client got it, the input its own request added, the response it
continued (``previous``) and its conversation's first response (``root``): a conversation of
n turns is n rows of one turn each, not n copies of a growing history, and each row also
holds its turn as the input items a continuation sends. :meth:`chain` and
:meth:`conversation` read a conversation's rows in one indexed query and follow the
response's line back. A conversation is kept ``keep_s`` from its last turn (its root's
``touched_at``, moved on by every turn); one that is not, or whose line is broken (a turn
deleted), is neither found nor continued, and whichever process notices deletes such
conversations now and then (:data:`SWEEP_EVERY` puts). A response is seen only by the client
key that made it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fulcrum.routing.budget.database import SharedDatabase
from fulcrum.wire import fastjson

SWEEP_EVERY = 200  # puts, on average, between two sweeps of expired conversations
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
    turn: Items  # what it adds to a conversation continued from it: its input, its answer


@dataclass(frozen=True, slots=True)
class _Sql:
    put: str
    touch: str
    chain: str
    turns: str
    delete: str
    sweep: str


# every column; what a continuation reads: the same first six, then the turn
_COLUMNS = "id, client_key, created_at, previous, root, touched_at, input, response, turn"
_TURNS = "id, client_key, created_at, previous, root, touched_at, turn"


def _family(p: str, same: str, columns: str) -> str:
    """``columns`` of every response of the conversation a response belongs to (of its root),
    for the same client key: one indexed read; :func:`_walk` keeps the response's own line."""
    return (
        f"SELECT {columns} FROM responses_kept WHERE root = (SELECT root FROM responses_kept "
        f"WHERE id = {p} AND client_key {same} {p}) AND client_key {same} {p}"
    )


def _sql(p: str, same: str) -> _Sql:
    """The statements with placeholder ``p`` and ``same``, the operator that makes two NULLs
    equal (a response made without a client key is found without one)."""
    return _Sql(
        put=f"INSERT INTO responses_kept ({_COLUMNS}) VALUES ({', '.join([p] * 9)}) ON "
        "CONFLICT (id) DO UPDATE SET client_key = excluded.client_key, created_at = "
        "excluded.created_at, previous = excluded.previous, root = excluded.root, touched_at = "
        "excluded.touched_at, input = excluded.input, response = excluded.response, turn = "
        "excluded.turn",
        touch=f"UPDATE responses_kept SET touched_at = {p} WHERE id = {p}",
        chain=_family(p, same, _COLUMNS),
        turns=_family(p, same, _TURNS),
        delete=f"DELETE FROM responses_kept WHERE id = {p} AND client_key {same} {p}",
        sweep="DELETE FROM responses_kept WHERE root IN (SELECT id FROM responses_kept WHERE "
        f"id = root AND touched_at <= {p})",
    )


def _walk(rows: list[Any], response_id: str) -> list[Any] | None:
    """The response's row and the rows before it (``previous``, the fourth column), oldest
    first; None when one is missing (a turn deleted) or it is not kept."""
    by_id = {row[0]: row for row in rows}
    line: list[Any] = []
    row = by_id.get(response_id)
    while row is not None and len(line) <= len(rows):
        line.append(row)
        if row[3] is None:
            return line[::-1]
        row = by_id.get(row[3])
    return None


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
                  fastjson.dumps(kept.input), fastjson.dumps(kept.response),
                  fastjson.dumps(kept.turn))  # fmt: skip

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
        line = self._line(self._sql.chain, response_id, client_key)
        return None if line is None else [_kept(row) for row in line]

    def conversation(self, response_id: str, client_key: str | None) -> tuple[Items, str] | None:
        """What continuing the response sends before the new input (every turn's input and
        answer, oldest first), and its conversation's root; None as :meth:`chain` says. Read
        as one JSON text: the turns' arrays joined, parsed once."""
        line = self._line(self._sql.turns, response_id, client_key)
        if line is None:
            return None
        inner = [row[6][1:-1] for row in line if len(row[6]) > 2]
        return fastjson.loads("[" + ",".join(inner) + "]"), line[0][4]

    def _line(self, sql: str, response_id: str, client_key: str | None) -> list[Any] | None:
        """The rows of :func:`_walk`, when the conversation is whole (its first is its root)
        and was used within the keep period."""
        args = (response_id, client_key, client_key)
        line = _walk(self.db.run(lambda c: c.execute(sql, args).fetchall()), response_id)
        if line is None or line[0][0] != line[0][4]:
            return None
        return line if float(line[0][5]) > self._clock() - self._keep_s else None

    def get(self, response_id: str, client_key: str | None) -> Kept | None:
        """The response alone (:meth:`chain`'s last, the others' JSON left unread), under the
        same rules."""
        line = self._line(self._sql.chain, response_id, client_key)
        return None if line is None else _kept(line[-1])

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
    response_id, client_key, created_at, previous, root, _, items, response, turn = row
    return Kept(response_id, client_key, float(created_at), previous, root,
                fastjson.loads(items), fastjson.loads(response), fastjson.loads(turn))  # fmt: skip
