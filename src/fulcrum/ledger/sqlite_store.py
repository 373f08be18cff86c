"""The embedded default ledger: one SQLite file in WAL mode.

WAL lets the reports read while a gateway writes. Money is stored as exact decimal text and
summed with a Python ``Decimal`` aggregate (``decsum``), so no cent is lost to floating point.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any, cast

from fulcrum.ledger.migrations import (
    MIGRATIONS,
    MIGRATIONS_TABLE,
    Migration,
    apply_pending,
    check_sequence,
)
from fulcrum.ledger.row import COLUMNS, LedgerRow, format_ts, row_from_values, row_values
from fulcrum.ledger.store import (
    LEDGER_URL_ENV,
    Aggregate,
    LedgerUnavailable,
    aggregate_sql,
    build_aggregate,
    check_group,
)

BUSY_TIMEOUT_S = 30.0


class _DecSum:
    """SQLite aggregate: exact sum of decimal text; NULL when every value is NULL."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is not None:
            self.total = (self.total or Decimal(0)) + Decimal(str(value))

    def finalize(self) -> str | None:
        return None if self.total is None else str(self.total)


def _where(since: datetime | None, until: datetime | None) -> tuple[str, list[str]]:
    clauses: list[str] = []
    params: list[str] = []
    if since is not None:
        clauses.append("ts >= ?")
        params.append(format_ts(since))
    if until is not None:
        clauses.append("ts < ?")
        params.append(format_ts(until))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _use_wal(conn: sqlite3.Connection) -> None:
    """WAL mode. Two processes opening a new ledger at once can find the lock that switching
    needs taken, and SQLite then answers "database is locked" at once instead of waiting: try
    again for up to :data:`BUSY_TIMEOUT_S`."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


class SQLiteStore:
    """A :class:`~fulcrum.ledger.store.LedgerStore` on one SQLite file."""

    remote = False

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = True,
        migrations: tuple[Migration, ...] = MIGRATIONS,
    ) -> SQLiteStore:
        if not create and not path.exists():
            raise LedgerUnavailable(
                f"no ledger at {path}: nothing has been recorded yet "
                "(start `fulcrum serve`, or give the ledger's URL: --ledger-url or "
                f"{LEDGER_URL_ENV})"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
            )
            _use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.create_aggregate("decsum", 1, cast(Any, _DecSum))
        except (OSError, sqlite3.Error) as exc:
            raise LedgerUnavailable(f"cannot open the SQLite ledger at {path}: {exc}") from exc
        store = cls(conn, path)
        store.migrate(migrations)
        return store

    @property
    def description(self) -> str:
        return f"sqlite:///{self._path}"

    def migrate(self, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
        """Apply the migrations not yet applied, under SQLite's write lock; return them."""
        check_sequence(migrations)
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                record = (
                    f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) "
                    "VALUES (?, ?, datetime('now'))"
                )
                applied = apply_pending(conn.execute, migrations, "sqlite", record)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return applied

    def schema_version(self) -> int:
        with self._lock:
            (version,) = self._conn.execute(
                f"SELECT COALESCE(MAX(version), 0) FROM {MIGRATIONS_TABLE}"
            ).fetchone()
        return int(version)

    def insert_many(self, rows: Sequence[LedgerRow]) -> int:
        return self.insert_encoded([self.encode(row) for row in rows])

    def encode(self, row: LedgerRow) -> tuple[Any, ...]:
        return row_values(row, text_time=True)

    def insert_encoded(self, values: Sequence[tuple[Any, ...]]) -> int:
        """One transaction of few multi-row statements: each one lets go of the GIL once,
        where ``executemany`` let go of it (and had to win it back) once per row."""
        if not values:
            return 0
        per = max(1, self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(COLUMNS))
        chunks = [values[start : start + per] for start in range(0, len(values), per)]
        with self._lock:
            before = self._conn.total_changes
            if len(chunks) == 1:  # one statement is its own transaction
                self._insert_rows(chunks[0])
                return self._conn.total_changes - before
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for chunk in chunks:
                    self._insert_rows(chunk)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            return self._conn.total_changes - before

    def _insert_rows(self, values: Sequence[tuple[Any, ...]]) -> None:
        """One multi-row INSERT (the lock is held)."""
        self._conn.execute(_insert_sql(len(values)), list(chain.from_iterable(values)))

    def aggregate(
        self, since: datetime | None, until: datetime | None, by: str | None
    ) -> list[Aggregate]:
        check_group(by)
        where, params = _where(since, until)
        sql = aggregate_sql(day="substr(ts, 1, 10)", decsum="decsum", by=by, where=where)
        with self._lock:
            records = self._conn.execute(sql, params).fetchall()
        return [build_aggregate(r) for r in records]

    def rows(self, since: datetime | None = None, until: datetime | None = None) -> list[LedgerRow]:
        where, params = _where(since, until)
        sql = f"SELECT {', '.join(COLUMNS)} FROM ledger_calls {where} ORDER BY ts, id"
        with self._lock:
            records = self._conn.execute(sql, params).fetchall()
        return [row_from_values(tuple(r)) for r in records]

    def count(self) -> int:
        with self._lock:
            (n,) = self._conn.execute("SELECT COUNT(*) FROM ledger_calls").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@functools.lru_cache(maxsize=64)
def _insert_sql(count: int) -> str:
    """One INSERT of ``count`` rows (an id already written is skipped)."""
    one = f"({', '.join('?' for _ in COLUMNS)})"
    return (
        f"INSERT INTO ledger_calls ({', '.join(COLUMNS)}) VALUES {', '.join([one] * count)} "
        "ON CONFLICT (id) DO NOTHING"
    )
