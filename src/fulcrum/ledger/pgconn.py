"""Connections to the PostgreSQL ledger, every wait on them bounded.

A database that hangs (a stalled host, a network partition: no reset, no answer) must not
hang the requests that use it. Each connection is opened with

* ``connect_timeout`` (the TCP connect and the start-up exchange);
* ``statement_timeout`` and ``lock_timeout`` (a server that answers, but slowly);
* TCP keepalives and ``tcp_user_timeout`` (a peer that vanished);

and :func:`bounded` runs each piece of work under a client-side deadline (``timeout_s`` plus
:data:`GRACE_S`): a server that accepts bytes and never answers (a frozen process) has its
socket shut down by a watchdog thread, so the blocked call fails at once. Past any of these,
the caller gets one :class:`~fulcrum.ledger.store.LedgerUnavailable`, as on an outage.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fulcrum.ledger.store import LedgerUnavailable, LedgerUnreachable
from fulcrum.urls import redact_url

try:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
except ImportError:  # pragma: no cover - only without the postgres extra
    psycopg = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
T = TypeVar("T")

DB_TIMEOUT_S = 5.0  # the default bound on one database operation (``[ledger] timeout_s``)
GRACE_S = 1.0  # the watchdog waits this much longer than the server's own timeout
MIN_CONNECT_S = 2  # libpq's smallest connect_timeout


def connect(url: str, *, timeout_s: float = DB_TIMEOUT_S) -> Any:
    """An autocommit connection with bounded waits, or one :class:`LedgerUnavailable` (its
    text names the database with the password hidden; a client is never shown it)."""
    ms = max(1, int(timeout_s * 1000))
    try:
        given = conninfo_to_dict(url).get("options") or ""
        options = f"{given} -c statement_timeout={ms} -c lock_timeout={ms}".strip()
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=max(MIN_CONNECT_S, math.ceil(timeout_s)),
            options=options,
            keepalives=1,
            keepalives_idle=max(1, int(timeout_s)),
            keepalives_interval=1,
            keepalives_count=3,
            tcp_user_timeout=ms,
        )
    except psycopg.Error as exc:
        raise unavailable(url, "cannot connect to", exc) from exc


def unavailable(url: str, doing: str, exc: BaseException) -> LedgerUnavailable:
    """One line naming the database (redacted) and the first line of ``exc`` (CLI exit 1)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return LedgerUnreachable(f"{doing} the ledger database {redact_url(url)}: {first}")


class Watchdog:
    """Shuts down the socket of a connection whose work ran past its deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, Any, list[bool]]] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def guard(self, conn: Any, seconds: float) -> Iterator[list[bool]]:
        """Within the block, ``conn`` is cut ``seconds`` from now; ``fired[0]`` says if it was."""
        token, fired = next(self._ids), [False]
        with self._cond:
            self._due[token] = (time.monotonic() + seconds, conn, fired)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="fulcrum-db-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        try:
            yield fired
        finally:
            with self._cond:
                self._due.pop(token, None)

    def _watch(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                late = [t for t, (due, _, _) in self._due.items() if due <= now]
                cut = [self._due.pop(t) for t in late]
                if not cut:
                    nearest = min((due for due, _, _ in self._due.values()), default=now + 60)
                    self._cond.wait(max(0.01, nearest - now))
                    continue
            for _, conn, fired in cut:
                fired[0] = True
                _shut(conn)


def _shut(conn: Any) -> None:
    with contextlib.suppress(Exception):
        sock = socket.socket(fileno=os.dup(conn.fileno()))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


WATCHDOG = Watchdog()


def bounded(url: str, conn: Any, timeout_s: float, work: Callable[[Any], T]) -> T:
    """``work(conn)``, cut off ``timeout_s + GRACE_S`` from now: then one LedgerUnavailable."""
    with WATCHDOG.guard(conn, timeout_s + GRACE_S) as fired:
        try:
            return work(conn)
        except psycopg.Error as exc:
            if fired[0]:
                with contextlib.suppress(Exception):
                    conn.close()
                late = TimeoutError(f"no answer within {timeout_s + GRACE_S:g} s")
                raise unavailable(url, "timed out on", late) from exc
            raise


class OutageLog:
    """One WARNING line per ``every_s`` for a database error that repeats (an outage), never a
    traceback: the first failure is logged at once, then how many more there were."""

    def __init__(self, logger: logging.Logger, every_s: float = 30.0) -> None:
        self._log, self._every = logger, every_s
        self._next, self._missed = 0.0, 0
        self._lock = threading.Lock()

    def warn(self, what: str, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._missed += 1
                return
            missed, self._missed, self._next = self._missed, 0, now + self._every
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        more = f" ({missed} more since the last line)" if missed else ""
        self._log.warning("%s: %s%s", what, text, more)
