"""Batch files, batches and their items in the ledger database (shared by gateway processes).

Every call here is blocking (a database round trip): the gateway runs them in a thread.
A batch's state is never stored twice: its counts, its end and its status are read from its
items (``GROUP BY``), so a gateway killed at any point leaves nothing to reconcile.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fulcrum.batch.filestore import FileStore, Owner
from fulcrum.batch.sql import DIALECTS, Dialect
from fulcrum.routing.budget import SharedDatabase

OUTCOMES = ("succeeded", "errored", "canceled", "expired")


@dataclass(frozen=True, slots=True)
class NewItem:
    id: str
    custom_id: str
    body: dict[str, Any]
    forward: str | None = None  # the api backend whose provider batch API runs it
    refused: tuple[int, dict[str, Any]] | None = None  # no backend can run it: its error


@dataclass(slots=True)
class Counts:
    queued: int = 0
    running: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    ended_at: float | None = None  # the last item's finish, once none is left to run

    @property
    def pending(self) -> int:
        return self.queued + self.running


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    api: str  # a name in fulcrum.batch.apis.APIS
    created_at: float
    endpoint: str
    input_file_id: str | None
    completion_window: str | None
    metadata: dict[str, Any] | None
    total: int
    cancelled_at: float | None
    output_file_id: str
    error_file_id: str
    counts: Counts
    client_key: Owner = None  # the name of the key that created it


@dataclass(frozen=True, slots=True)
class ItemResult:
    id: str
    custom_id: str
    outcome: str
    status_code: int | None
    result: dict[str, Any] | None


_JOB_COLUMNS = (
    "id, api, created_at, endpoint, input_file_id, completion_window, metadata, total, "
    "cancelled_at, output_file_id, error_file_id, client_key"
)


class BatchStore:
    def __init__(self, db: SharedDatabase) -> None:
        self.db = db
        self.sql: Dialect = DIALECTS[db.dialect]
        self.files = FileStore(db)  # the uploaded files (batch inputs)

    def create(self, job: Job, items: Sequence[NewItem]) -> None:
        """The batch and all its items, queued, in one transaction."""
        now = job.created_at
        job_sql = f"INSERT INTO batch_jobs ({_JOB_COLUMNS}) VALUES ({', '.join('?' * 12)})"
        job_values = (
            job.id, job.api, job.created_at, job.endpoint, job.input_file_id,
            job.completion_window, None if job.metadata is None else json.dumps(job.metadata),
            job.total, None, job.output_file_id, job.error_file_id, job.client_key,
        )  # fmt: skip
        item_sql = self.sql.render(
            "INSERT INTO batch_items (id, batch_id, line, custom_id, body, state, queued_at, "
            "not_before, forward_backend, outcome, status_code, result, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        values = [(it.id, job.id, n, it.custom_id, json.dumps(it.body), *_state(it, now))
                  for n, it in enumerate(items)]  # fmt: skip

        def work(conn: Any) -> None:
            with self.sql.transaction(conn):
                self.sql.execute(conn, job_sql, job_values)
                conn.cursor().executemany(item_sql, values)

        self.db.run(work, write=True)

    def job(self, batch_id: str, owner: Owner) -> Job | None:
        """The batch, if ``owner`` created it (another key's batch is not found)."""
        return self._job("id = ?", owner, batch_id)

    def job_by_file(self, file_id: str, owner: Owner) -> Job | None:
        """``owner``'s batch whose output or error file is ``file_id``."""
        return self._job("(output_file_id = ? OR error_file_id = ?)", owner, file_id, file_id)

    def _job(self, where: str, owner: Owner, *params: Any) -> Job | None:
        sql = (
            f"SELECT {_JOB_COLUMNS} FROM batch_jobs WHERE {where} AND client_key {self.sql.same} ?"
        )
        params = (*params, owner)
        counts_sql = (
            "SELECT state, outcome, COUNT(*), MAX(finished_at) FROM batch_items "
            "WHERE batch_id = ? GROUP BY state, outcome"
        )

        def work(conn: Any) -> tuple[Any, list[Any]] | None:
            row = self.sql.execute(conn, sql, params).fetchone()
            if row is None:
                return None
            return row, self.sql.execute(conn, counts_sql, (row[0],)).fetchall()

        found = self.db.run(work)
        if found is None:
            return None
        row, groups = found
        return Job(
            id=row[0], api=row[1], created_at=float(row[2]), endpoint=row[3],
            input_file_id=row[4], completion_window=row[5],
            metadata=None if row[6] is None else json.loads(row[6]), total=int(row[7]),
            cancelled_at=None if row[8] is None else float(row[8]),
            output_file_id=row[9], error_file_id=row[10], counts=_counts(groups),
            client_key=row[11],
        )  # fmt: skip

    def jobs(
        self, api: str, owner: Owner, limit: int, after: str | None, before: str | None = None
    ) -> tuple[list[Job], bool]:
        """``limit`` of ``owner``'s batches of ``api``, newest first: the newest older than
        ``after``, or the oldest newer than ``before``; and whether more lie beyond them."""
        where, params = f"api = ? AND client_key {self.sql.same} ?", [api, owner]
        cursor, order = (before, ">") if before is not None else (after, "<")
        if cursor is not None:
            where += f" AND (created_at, id) {order} (SELECT created_at, id FROM batch_jobs " \
                     "WHERE id = ?)"  # fmt: skip
            params.append(cursor)
        way = "ASC" if before is not None else "DESC"
        sql = f"SELECT id FROM batch_jobs WHERE {where} ORDER BY created_at {way}, id {way} LIMIT ?"
        rows = self.db.run(lambda c: self.sql.execute(c, sql, (*params, limit + 1)).fetchall())
        ids = [r[0] for r in rows[:limit]]
        found = [self.job(i, owner) for i in (ids[::-1] if before is not None else ids)]
        return [j for j in found if j is not None], len(rows) > limit

    def cancel(self, batch_id: str, owner: Owner, now: float | None = None) -> Job | None:
        """Mark the batch cancelled; its queued items end as ``canceled`` (running ones finish).
        A batch that has already ended stays as it is."""
        now = time.time() if now is None else now
        mine = f"(SELECT id FROM batch_jobs WHERE id = ? AND client_key {self.sql.same} ?)"

        def work(conn: Any) -> None:
            with self.sql.transaction(conn):
                self.sql.execute(
                    conn,
                    f"UPDATE batch_jobs SET cancelled_at = ? WHERE id IN {mine} AND cancelled_at "
                    "IS NULL AND EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ? AND "
                    "state <> 'done')",
                    (now, batch_id, owner, batch_id),
                )
                self.sql.execute(
                    conn,
                    "UPDATE batch_items SET state = 'done', outcome = 'canceled', finished_at = ?, "
                    f"claim = NULL WHERE batch_id IN {mine} AND state = 'queued'",
                    (now, batch_id, owner),
                )

        self.db.run(work, write=True)
        return self.job(batch_id, owner)

    def results(self, batch_id: str) -> list[ItemResult]:
        """Every finished item of the batch, in input order: one line per item, ever."""
        sql = (
            "SELECT id, custom_id, outcome, status_code, result FROM batch_items "
            "WHERE batch_id = ? AND state = 'done' ORDER BY line"
        )
        rows = self.db.run(lambda c: self.sql.execute(c, sql, (batch_id,)).fetchall())
        return [
            ItemResult(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4]))
            for r in rows
        ]


def _state(item: NewItem, now: float) -> tuple[Any, ...]:
    """A new item's state and times, forward backend, and outcome: queued, or already ended
    ``errored`` when nothing can run it."""
    if item.refused is None:
        return "queued", now, now, item.forward, None, None, None, None
    status, result = item.refused
    return "done", now, now, None, "errored", status, json.dumps(result), now


def _counts(groups: list[Any]) -> Counts:
    counts = Counts()
    last: float | None = None
    for state, outcome, n, finished in groups:
        if state == "queued":
            counts.queued += int(n)
        elif state == "running":
            counts.running += int(n)
        else:
            counts.outcomes[outcome] = counts.outcomes.get(outcome, 0) + int(n)
            if finished is not None:
                last = max(last or 0.0, float(finished))
    counts.ended_at = last if counts.pending == 0 else None
    return counts
