"""Kept responses in the ledger database (SQLite or PostgreSQL), shared by every gateway on it.

A row is one response as its client got it, the conversation it answered (input items, the
whole of it: a continued conversation's earlier turns too) and the name of the client key
that made it: another key neither sees nor continues it. A response older than the keep
period is neither found nor continued; whichever process notices deletes such rows now and
then (:data:`SWEEP_EVERY` puts).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fulcrum.routing.budget.database import SharedDatabase

SWEEP_EVERY = 200  # puts, on average, between two sweeps of expired rows
Items = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Kept:
    id: str
    client_key: str | None
    created_at: float
    input: Items  # the conversation this response answered, as input items
    response: dict[str, Any]  # the response object as its client got it


@dataclass(frozen=True, slots=True)
class _Sql:
    put: str
    get: str
    delete: str
    sweep: str


def _sql(p: str, same: str) -> _Sql:
    """The statements with placeholder ``p`` and ``same``, the operator that makes two NULLs
    equal (a response made without a client key is found without one)."""
    where = f"id = {p} AND client_key {same} {p} AND created_at > {p}"
    return _Sql(
        put=f"INSERT INTO responses_kept (id, client_key, created_at, input, response) VALUES "
        f"({p}, {p}, {p}, {p}, {p}) ON CONFLICT (id) DO UPDATE SET client_key = "
        "excluded.client_key, created_at = excluded.created_at, input = excluded.input, "
        "response = excluded.response",
        get=f"SELECT created_at, input, response FROM responses_kept WHERE {where}",
        delete=f"DELETE FROM responses_kept WHERE {where}",
        sweep=f"DELETE FROM responses_kept WHERE created_at <= {p}",
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
        values = (kept.id, kept.client_key, kept.created_at, json.dumps(kept.input),
                  json.dumps(kept.response))  # fmt: skip
        self.db.run(lambda c: c.execute(self._sql.put, values), write=True)
        if random.random() < 1 / SWEEP_EVERY:  # a schedule, not a secret
            self.sweep()

    def get(self, response_id: str, client_key: str | None) -> Kept | None:
        args = (response_id, client_key, self._clock() - self._keep_s)
        row = self.db.run(lambda c: c.execute(self._sql.get, args).fetchone())
        if row is None:
            return None
        created_at, items, response = row
        return Kept(response_id, client_key, float(created_at), json.loads(items),
                    json.loads(response))  # fmt: skip

    def delete(self, response_id: str, client_key: str | None) -> bool:
        args = (response_id, client_key, self._clock() - self._keep_s)
        cur = self.db.run(lambda c: c.execute(self._sql.delete, args), write=True)
        return bool(cur.rowcount)

    def sweep(self) -> int:
        """Delete the responses kept longer than the keep period; return how many."""
        cutoff = self._clock() - self._keep_s
        cur = self.db.run(lambda c: c.execute(self._sql.sweep, (cutoff,)), write=True)
        return int(cur.rowcount)
