"""The ledger database as a home for state several gateway processes share.

:func:`open_database` takes the ledger URL (``None``: SQLite in the data directory, a SQLite
path or ``sqlite:///``, ``postgresql://``) and opens it once through
:func:`fulcrum.ledger.factory.open_store` — the one place URLs are parsed and the schema is
migrated — then connects with the class registered for that store in :data:`DATABASES`.

* SQLite: one connection in WAL mode; ``run(work, write=True)`` holds the file's write lock
  (``BEGIN IMMEDIATE``), which serializes writers across processes.
* PostgreSQL: a small pool of autocommit connections; ``run`` hands ``work`` a connection and
  ``work`` opens its own transaction or pipeline (a reserve is one round trip). A connection
  lost between calls is reopened once. Every wait is bounded by ``timeout_s``: for a free
  connection of the pool, to connect, for the work itself (:mod:`fulcrum.ledger.pgconn`); past
  it, or on any connection error, ``run`` raises one
  :class:`~fulcrum.ledger.store.LedgerUnavailable` and the caller proceeds as on an outage;
  for :data:`DOWN_S` after such a failure, ``run`` fails at once (a hung database costs one
  caller a timeout, not each caller in turn).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from fulcrum.ledger.factory import open_store, sqlite_path_from_url
from fulcrum.ledger.pgconn import DB_TIMEOUT_S, bounded, connect, unavailable
from fulcrum.ledger.postgres_store import PostgresStore
from fulcrum.ledger.sqlite_store import BUSY_TIMEOUT_S, SQLiteStore
from fulcrum.ledger.store import LedgerUnavailable, LedgerUnreachable
from fulcrum.urls import redact_url

try:
    import psycopg
except ImportError:  # pragma: no cover - only without the postgres extra (then no PostgresStore)
    psycopg = None  # type: ignore[assignment]

T = TypeVar("T")
POOL_SIZE = 4
_ROLLBACKS = (
    (psycopg.errors.TransactionRollback, psycopg.errors.SerializationFailure,
     psycopg.errors.DeadlockDetected) if psycopg is not None else ()
)  # fmt: skip
DOWN_S = 2.0  # after an operation found the database down, the next ones fail at once this long


class SharedDatabase(Protocol):
    dialect: str  # "sqlite" | "postgres": picks a component's implementation
    # A round trip over the network (worth a worker thread), or a local file (cheaper inline).
    remote: bool

    @property
    def description(self) -> str: ...

    def run(self, work: Callable[[Any], T], *, write: bool = False) -> T:
        """``work(conn)``; SQLite: in a write transaction when ``write``."""
        ...

    def close(self) -> None: ...


class SQLiteDatabase:
    dialect = "sqlite"
    remote = False

    def __init__(self, url: str | None, description: str, *, timeout_s: float = 0.0) -> None:
        self.path = sqlite_path_from_url(description)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")

    @property
    def description(self) -> str:
        return f"sqlite:///{self.path}"

    def run(self, work: Callable[[Any], T], *, write: bool = False) -> T:
        with self._lock:
            if not write:
                return work(self._conn)
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresDatabase:
    dialect = "postgres"
    remote = True

    def __init__(
        self,
        url: str | None,
        description: str,
        *,
        pool_size: int = POOL_SIZE,
        timeout_s: float = DB_TIMEOUT_S,
    ) -> None:
        assert url is not None  # a PostgreSQL store is only opened from a URL
        self._url = url
        self.timeout_s = timeout_s
        self._down: Exception = ConnectionError("no failure yet")
        self._down_until = 0.0  # until then, run fails at once: the database just failed
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)

    @property
    def description(self) -> str:
        return redact_url(self._url)

    def _connect(self) -> Any:
        return connect(self._url, timeout_s=self.timeout_s)

    def run(self, work: Callable[[Any], T], *, write: bool = False) -> T:
        if time.monotonic() < self._down_until:  # failed a moment ago: do not wait on it again
            raise LedgerUnreachable(f"{self._down} (not tried again for {DOWN_S:g} s)")
        if not self._slots.acquire(timeout=self.timeout_s):
            late = TimeoutError(f"no free connection within {self.timeout_s:g} s")
            raise unavailable(self._url, "waiting for", late)
        try:
            return self._run(work)
        except _ROLLBACKS:  # a deadlock: the database is there
            raise
        except psycopg.OperationalError as exc:  # lost, or the server's timeout
            error = unavailable(self._url, "lost", exc)
            self._failed(error)
            raise error from exc
        except LedgerUnavailable as exc:  # could not connect, or no answer in time
            self._failed(exc)
            raise
        finally:
            self._slots.release()

    def _failed(self, exc: Exception) -> None:
        self._down, self._down_until = exc, time.monotonic() + DOWN_S

    def _run(self, work: Callable[[Any], T]) -> T:
        conn = self._take()
        try:
            return bounded(self._url, conn, self.timeout_s, work)
        except psycopg.OperationalError:
            if not conn.closed:
                raise
            conn = self._connect()  # the link broke between calls: once more, afresh
            return bounded(self._url, conn, self.timeout_s, work)
        finally:
            if conn.closed or conn.info.transaction_status != 0:  # 0: idle
                conn.close()
            else:
                self._idle.put(conn)

    def _take(self) -> Any:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            return self._connect()
        return conn if not conn.closed else self._connect()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


# The ledger store class open_store returned -> how to connect to the same database.
DATABASES: dict[type, Callable[..., SharedDatabase]] = {
    SQLiteStore: SQLiteDatabase,
    PostgresStore: PostgresDatabase,
}


def open_database(url: str | None, *, timeout_s: float = DB_TIMEOUT_S) -> SharedDatabase:
    """Open (and migrate) the ledger database at ``url`` for shared routing state; on
    PostgreSQL no operation waits past ``timeout_s``."""
    store = open_store(url, timeout_s=timeout_s)
    try:
        return DATABASES[type(store)](url, store.description, timeout_s=timeout_s)
    finally:
        store.close()
