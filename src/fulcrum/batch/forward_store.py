"""The forwarded items in the ledger database: which provider batch holds them, and their end.

An item for an api backend in ``[batch] forward`` is claimed like a local one (a lease and a
token, :func:`fulcrum.batch.queue.claim` with ``forward``), submitted in a provider batch, and
then :func:`submitted` records the provider's batch id on it and drops its lease, in one
statement that holds only while the claim is still this worker's. From then on the item is
``running`` with a ``forward_id`` and no lease: no claim takes it again, and every gateway on
the database polls that provider batch (:func:`in_flight`) until :func:`finish_all` writes
each item's result and ledger row, once: a second gateway finishing the same provider batch
finds the items done and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fulcrum.batch.queue import ROW_SQL, Claimed
from fulcrum.batch.store import BatchStore
from fulcrum.ledger.row import LedgerRow, row_values

ITEMS_SQL = (
    "SELECT i.id, i.batch_id, j.api, j.endpoint, i.custom_id, i.body, i.attempts "
    "FROM batch_items i JOIN batch_jobs j ON j.id = i.batch_id "
    "WHERE i.forward_id = ? AND i.state = 'running' ORDER BY i.queued_at, i.line"
)


@dataclass(frozen=True, slots=True)
class Finished:
    """One forwarded item's end (``row`` None: the provider never ran it)."""

    item_id: str
    outcome: str
    status_code: int | None
    result: dict[str, Any] | None
    row: LedgerRow | None


def waiting(store: BatchStore, now: float) -> list[str]:
    """The api backends with items due to be sent to their provider's batch API."""
    sql = (
        "SELECT DISTINCT forward_backend FROM batch_items WHERE forward_backend IS NOT NULL "
        "AND forward_id IS NULL AND ((state = 'queued' AND not_before <= ?) "
        "OR (state = 'running' AND lease_until < ?))"
    )
    rows = store.db.run(lambda c: store.sql.execute(c, sql, (now, now)).fetchall())
    return sorted(str(r[0]) for r in rows)


def submitted(store: BatchStore, token: str, forward_id: str) -> int:
    """Record the provider batch on the items claimed with ``token``; how many took it."""
    sql = (
        "UPDATE batch_items SET forward_id = ?, claim = NULL, lease_until = NULL "
        "WHERE claim = ? AND state = 'running' AND forward_id IS NULL"
    )
    cur = store.db.run(lambda c: store.sql.execute(c, sql, (forward_id, token)), write=True)
    return int(cur.rowcount)


def in_flight(store: BatchStore) -> list[tuple[str, str]]:
    """(provider batch id, api backend) of every provider batch with items still running."""
    sql = (
        "SELECT DISTINCT forward_id, forward_backend FROM batch_items "
        "WHERE state = 'running' AND forward_id IS NOT NULL"
    )
    rows = store.db.run(lambda c: store.sql.execute(c, sql).fetchall())
    return sorted((str(r[0]), str(r[1])) for r in rows)


def items(store: BatchStore, forward_id: str) -> list[Claimed]:
    """The items of a provider batch still waiting for its end."""
    rows = store.db.run(lambda c: store.sql.execute(c, ITEMS_SQL, (forward_id,)).fetchall())
    return [
        Claimed(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), int(r[6]), forward_id) for r in rows
    ]


def finish_all(
    store: BatchStore, forward_id: str, ends: Sequence[Finished], now: float
) -> list[Finished]:
    """Every item's result and ledger row, in one transaction; those this call finished (an
    item another gateway finished first is left as it is)."""
    sql = store.sql
    update = (
        "UPDATE batch_items SET state = 'done', outcome = ?, status_code = ?, result = ?, "
        "finished_at = ? WHERE id = ? AND forward_id = ? AND state = 'running'"
    )

    def work(conn: Any) -> list[Finished]:
        done: list[Finished] = []
        with sql.transaction(conn):
            for end in ends:
                params = (end.outcome, end.status_code, json.dumps(end.result), now,
                          end.item_id, forward_id)  # fmt: skip
                if sql.execute(conn, update, params).rowcount != 1:
                    continue
                done.append(end)
                if end.row is not None:
                    sql.execute(conn, ROW_SQL, row_values(end.row, text_time=sql.text_time))
        return done

    finished: list[Finished] = store.db.run(work, write=True)
    return finished
