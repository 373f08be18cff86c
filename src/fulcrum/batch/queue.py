"""Claiming batch items and finishing them exactly once.

- :func:`claim` takes up to ``n`` items that are queued and due, or running under an expired
  lease (their gateway died), sets a fresh lease and a claim token, in one transaction
  (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so several gateways
  take different items without waiting on each other).
- :func:`renew` extends the leases of items still running here.
- :func:`finish` writes the item's result, marks it done and inserts its ledger row — one
  transaction, and only while the claim is still this worker's: an item whose lease expired
  and was taken over is finished by the other worker, never twice. The row's id is the item's
  id and the insert skips an existing id, so a retried item can never add a second row.
- :func:`release` puts an item back in the queue (a backend down: tried again later).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fulcrum.batch.sql import CLAIMABLE
from fulcrum.batch.store import BatchStore
from fulcrum.ledger.row import COLUMNS, LedgerRow, row_values

ROW_SQL = (
    f"INSERT INTO ledger_calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (id) DO NOTHING"
)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    batch_id: str
    api: str
    endpoint: str
    custom_id: str
    body: dict[str, Any]
    attempts: int  # tries so far, this one included
    claim: str  # the token that proves the lease is still this worker's


def due(store: BatchStore, now: float) -> bool:
    """Whether any item may be claimed now: a read, so an idle worker takes no write lock."""
    sql = f"SELECT 1 FROM batch_items WHERE {CLAIMABLE} LIMIT 1"
    return store.db.run(lambda c: store.sql.execute(c, sql, (now, now)).fetchone()) is not None


def claim(
    store: BatchStore,
    n: int,
    *,
    token: str,
    now: float,
    lease_s: float,
    forward: str | None = None,
) -> list[Claimed]:
    """Up to ``n`` items, leased to ``token`` until ``now + lease_s``: items for local
    backends, or with ``forward`` those going to that api backend's provider batch API."""
    sql = store.sql
    pick, picked = (sql.pick, (now, now, n)) if forward is None else (
        sql.pick_forward, (forward, now, now, n))  # fmt: skip
    fetch = (
        "SELECT i.id, i.batch_id, j.api, j.endpoint, i.custom_id, i.body, i.attempts "
        "FROM batch_items i JOIN batch_jobs j ON j.id = i.batch_id WHERE i.claim = ?"
    )

    def work(conn: Any) -> list[Any]:
        with sql.transaction(conn):
            ids = [r[0] for r in sql.execute(conn, pick, picked).fetchall()]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            sql.execute(
                conn,
                "UPDATE batch_items SET state = 'running', claim = ?, lease_until = ?, "
                f"attempts = attempts + 1 WHERE id IN ({marks})",
                (token, now + lease_s, *ids),
            )
            return list(sql.execute(conn, fetch, (token,)).fetchall())

    rows = store.db.run(work, write=True)
    return [Claimed(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), int(r[6]), token) for r in rows]


def renew(store: BatchStore, tokens: Sequence[str], *, until: float) -> None:
    if not tokens:
        return
    marks = ", ".join("?" * len(tokens))
    sql = f"UPDATE batch_items SET lease_until = ? WHERE state = 'running' AND claim IN ({marks})"
    store.db.run(lambda c: store.sql.execute(c, sql, (until, *tokens)), write=True)


def finish(
    store: BatchStore,
    item: Claimed,
    *,
    outcome: str,
    status_code: int | None,
    result: dict[str, Any] | None,
    row: LedgerRow | None,
    now: float,
) -> bool:
    """Record the item's result and its ledger row; False when the claim was lost."""
    sql = store.sql
    update = (
        "UPDATE batch_items SET state = 'done', outcome = ?, status_code = ?, result = ?, "
        "finished_at = ?, lease_until = NULL WHERE id = ? AND claim = ? AND state = 'running'"
    )
    params = (outcome, status_code, json.dumps(result), now, item.id, item.claim)

    def work(conn: Any) -> bool:
        with sql.transaction(conn):
            if sql.execute(conn, update, params).rowcount != 1:
                return False
            if row is not None:
                sql.execute(conn, ROW_SQL, row_values(row, text_time=sql.text_time))
            return True

    return bool(store.db.run(work, write=True))


def release(store: BatchStore, item: Claimed, *, not_before: float, refund: bool = False) -> bool:
    """Back to the queue, due at ``not_before``; False when the claim was lost. ``refund``:
    the try did not count (the gateway stopped it), so its attempt is given back."""
    back = ", attempts = attempts - 1" if refund else ""
    sql = (
        f"UPDATE batch_items SET state = 'queued', claim = NULL, lease_until = NULL{back}, "
        "not_before = ? WHERE id = ? AND claim = ? AND state = 'running'"
    )
    params = (not_before, item.id, item.claim)
    cur = store.db.run(lambda c: store.sql.execute(c, sql, params), write=True)
    return bool(cur.rowcount == 1)
