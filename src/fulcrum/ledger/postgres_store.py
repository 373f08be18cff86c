"""The shared ledger: PostgreSQL through psycopg 3, for several gateway processes at once.

Migrations run under ``pg_advisory_xact_lock`` so processes starting together apply each
migration exactly once. A lost connection is reopened once per operation; every wait is
bounded (:mod:`fulcrum.ledger.pgconn`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from fulcrum.ledger.migrations import (
    ADVISORY_LOCK_KEY,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    Migration,
    apply_pending,
    check_sequence,
    check_version,
)
from fulcrum.ledger.pgconn import DB_TIMEOUT_S, bounded, connect, unavailable
from fulcrum.ledger.row import COLUMNS, LedgerRow, row_from_values, row_values
from fulcrum.ledger.store import (
    Aggregate,
    LedgerUnavailable,
    aggregate_sql,
    build_aggregate,
    check_group,
)
from fulcrum.urls import redact_url

T = TypeVar("T")

try:
    import psycopg
except ImportError:  # pragma: no cover - exercised only without the postgres extra
    psycopg = None  # type: ignore[assignment]


def _where(since: datetime | None, until: datetime | None) -> tuple[str, list[datetime]]:
    clauses: list[str] = []
    params: list[datetime] = []
    if since is not None:
        clauses.append("ts >= %s")
        params.append(since)
    if until is not None:
        clauses.append("ts < %s")
        params.append(until)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _in_transaction(work: Callable[[Any], T]) -> Callable[[Any], T]:
    def run(conn: Any) -> T:
        with conn.transaction():
            return work(conn)

    return run


class PostgresStore:
    """A :class:`~fulcrum.ledger.store.LedgerStore` on a PostgreSQL database."""

    remote = True

    def __init__(self, url: str, *, timeout_s: float = DB_TIMEOUT_S) -> None:
        self._url = url
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._conn: Any = None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        timeout_s: float = DB_TIMEOUT_S,
        migrate: bool = True,
    ) -> PostgresStore:
        """``migrate=False`` (a reader): only check the schema version, which needs no more
        than the right to read (a read-only role)."""
        if psycopg is None:
            raise LedgerUnavailable(
                "a postgresql:// ledger needs psycopg 3: pip install 'fulcrum[postgres]'"
            )
        store = cls(url, timeout_s=timeout_s)
        try:
            if migrate:
                store.migrate(migrations)
            else:
                check_version(store.schema_version(), migrations, reader=True)
        except psycopg.Error as exc:
            store.close()
            doing = "cannot migrate" if migrate else "cannot read the schema of"
            raise unavailable(url, doing, exc) from exc
        except LedgerUnavailable:
            store.close()
            raise
        return store

    @property
    def description(self) -> str:
        return redact_url(self._url)

    def _connect(self) -> Any:
        return connect(self._url, timeout_s=self.timeout_s)

    def _run(self, work: Callable[[Any], T]) -> T:
        """Run ``work(conn)`` in one transaction; reconnect and retry once if the link broke."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = self._connect()
                try:
                    return bounded(self._url, self._conn, self.timeout_s, _in_transaction(work))
                except psycopg.OperationalError:
                    if attempt == 2 or not self._conn.closed:
                        raise
                    self._conn = None
        raise AssertionError("unreachable")  # pragma: no cover

    def migrate(self, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
        """Apply missing migrations under an advisory lock; return the versions applied."""
        check_sequence(migrations)

        def work(conn: Any) -> list[int]:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            record = f"INSERT INTO {MIGRATIONS_TABLE} (version, name) VALUES (%s, %s)"
            return apply_pending(conn.execute, migrations, "postgres", record)

        return self._run(work)

    def schema_version(self) -> int:
        """The last migration applied; 0 on a database with no fulcrum schema."""

        def work(conn: Any) -> int:
            if conn.execute("SELECT to_regclass(%s)", (MIGRATIONS_TABLE,)).fetchone()[0] is None:
                return 0
            row = conn.execute(
                f"SELECT COALESCE(MAX(version), 0) FROM {MIGRATIONS_TABLE}"
            ).fetchone()
            return int(row[0])

        return self._run(work)

    def insert_many(self, rows: Sequence[LedgerRow]) -> int:
        return self.insert_encoded([self.encode(row) for row in rows])

    def encode(self, row: LedgerRow) -> tuple[Any, ...]:
        return row_values(row, text_time=False)

    def insert_encoded(self, values: Sequence[tuple[Any, ...]]) -> int:
        if not values:
            return 0
        placeholders = ", ".join("%s" for _ in COLUMNS)
        sql = (
            f"INSERT INTO ledger_calls ({', '.join(COLUMNS)}) VALUES ({placeholders}) "
            "ON CONFLICT (id) DO NOTHING"
        )

        def work(conn: Any) -> int:
            with conn.cursor() as cur:
                cur.executemany(sql, values)
                return int(cur.rowcount)

        return self._run(work)

    def aggregate(
        self, since: datetime | None, until: datetime | None, by: str | None
    ) -> list[Aggregate]:
        check_group(by)
        where, params = _where(since, until)
        day = "to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        sql = aggregate_sql(day=day, decsum="SUM", by=by, where=where)
        records = self._run(lambda conn: conn.execute(sql, params).fetchall())
        return [build_aggregate(r) for r in records]

    def rows(self, since: datetime | None = None, until: datetime | None = None) -> list[LedgerRow]:
        where, params = _where(since, until)
        sql = f"SELECT {', '.join(COLUMNS)} FROM ledger_calls {where} ORDER BY ts, id"
        records = self._run(lambda conn: conn.execute(sql, params).fetchall())
        return [row_from_values(tuple(r)) for r in records]

    def count(self) -> int:
        return self._run(
            lambda conn: int(conn.execute("SELECT COUNT(*) FROM ledger_calls").fetchone()[0])
        )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
