"""The background ledger writer: ``submit`` on the request path, pricing and I/O off it.

``submit(row)`` only queues the row (or a function that builds it, called in the writer's
thread so that its cost stays off the event loop): it never blocks on the database and
never raises. One daemon thread drains the queue in batches (up to ``batch_size`` rows, or
what arrived within ``max_delay_s`` of the first), prices each row with the :class:`Pricer`
and inserts the batch in one transaction. A failed insert is retried with backoff; rows the
database still refuses are appended to a JSON-lines spill file in the data directory, so
nothing accepted is ever silently lost. The queue is bounded (``max_queued`` rows): while
the database is down or slow, a row that finds the queue full goes to an overflow list that
a second thread prices and appends to the spill file, so memory stays bounded. ``close()``
stops accepting, flushes every accepted row and closes the store. A row submitted after
``close()`` began is counted in ``dropped`` and logged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from fulcrum.ledger import spill
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import LedgerRow
from fulcrum.ledger.store import LedgerStore
from fulcrum.settings import Paths

log = logging.getLogger(__name__)

_STOP = object()
RowSource = LedgerRow | Callable[[], LedgerRow]


class LedgerWriter:
    """Batched, background writer of :class:`LedgerRow` into a :class:`LedgerStore`."""

    def __init__(
        self,
        store: LedgerStore,
        pricer: Pricer | None = None,
        *,
        batch_size: int = 500,
        max_delay_s: float = 0.05,
        retry_s: Sequence[float] = (0.05, 0.2, 1.0, 2.0),
        spill_file: Path | None = None,
        max_queued: int = 10_000,
    ) -> None:
        self.store = store
        self.pricer = pricer or Pricer()
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.retry_s = tuple(retry_s)
        self.spill_file = spill_file or Paths.build().data / spill.DEFAULT_NAME
        self.accepted = 0
        self.written = 0
        self.dropped = 0
        self.spilled = 0
        self.max_queued = max_queued
        self.overflowed = 0  # rows that found the queue full and went straight to the spill
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._spill_lock = threading.Lock()
        self._overflow: list[RowSource] = []
        self._overflow_ready = threading.Event()
        self._spiller: threading.Thread | None = None
        self._closed = False
        self._healthy = True
        self._thread = threading.Thread(target=self._run, name="fulcrum-ledger", daemon=True)
        self._thread.start()

    def submit(self, row: RowSource) -> None:
        """Queue ``row`` (or its builder) for pricing and writing. Non-blocking; never raises."""
        try:
            if not isinstance(row, LedgerRow) and not callable(row):
                with self._lock:
                    self.dropped += 1
                log.error("ledger: submit() got %s, not a LedgerRow; dropped", type(row).__name__)
                return
            with self._lock:
                if not self._closed:
                    self.accepted += 1
                    if self._queue.qsize() < self.max_queued:
                        self._queue.put(row)
                    else:
                        self._overflow_row(row)
                    return
                self.dropped += 1
            log.error("ledger: row %s submitted after close(); dropped", getattr(row, "id", "-"))
        except Exception:  # pragma: no cover - defensive: the request path must not fail
            log.exception("ledger: submit failed")

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting rows, write every accepted row, close the store. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
            self._overflow_ready.set()
        self._thread.join(timeout)
        if self._spiller is not None:
            self._spiller.join(timeout)
        if self._thread.is_alive() or (self._spiller is not None and self._spiller.is_alive()):
            log.error("ledger: writer did not finish within %s s", timeout)
            return
        self.store.close()

    def _overflow_row(self, row: RowSource) -> None:
        """The queue is full (the lock is held): hand the row to the spill thread."""
        self._overflow.append(row)
        self.overflowed += 1
        if self._spiller is None:
            log.error("ledger: %d rows queued; spilling the overflow", self.max_queued)
            self._spiller = threading.Thread(
                target=self._run_spiller, name="fulcrum-ledger-spill", daemon=True
            )
            self._spiller.start()
        self._overflow_ready.set()

    def _run_spiller(self) -> None:
        while True:
            self._overflow_ready.wait()
            with self._lock:
                rows, self._overflow = self._overflow, []
                self._overflow_ready.clear()
                done = self._closed
            if rows:
                self._spill(self._prepare(rows))
            if done:
                return

    @property
    def pending(self) -> int:
        """Rows accepted but not yet written (or spilled)."""
        return self.accepted - self.written - self.spilled

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            rows: list[LedgerRow] = []
            if first is _STOP:
                stopping = True
            else:
                rows += self._prepare([_as_source(first)])
                stopping = self._fill(rows)
            if rows:
                try:
                    self._write(rows)
                except Exception:  # pragma: no cover - keep the writer alive whatever happens
                    log.exception("ledger: writing a batch of %d rows failed", len(rows))

    def _fill(self, rows: list[LedgerRow]) -> bool:
        """Take rows until a full batch or ``max_delay_s`` after the first, building and
        pricing each as it arrives; True when _STOP was seen. Row by row, that work runs
        while the event loop waits on the network, instead of in one burst per batch that
        every request arriving meanwhile would wait on for the GIL."""
        deadline = time.monotonic() + self.max_delay_s
        while len(rows) < self.batch_size:
            wait = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is _STOP:
                self._drain(rows)
                return True
            rows += self._prepare([_as_source(item)])
        return False

    def _drain(self, rows: list[LedgerRow]) -> None:
        """After _STOP nothing more is put (close() holds the lock), but be thorough."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                rows += self._prepare([_as_source(item)])

    def _prepare(self, batch: list[RowSource]) -> list[LedgerRow]:
        """The rows built (the deferred ones) and priced. A row that fails to build is lost
        (logged, counted in ``dropped``); one that fails to price keeps unknown costs."""
        rows: list[LedgerRow] = []
        for item in batch:
            try:
                row = item if isinstance(item, LedgerRow) else item()
            except Exception:
                log.exception("ledger: building a row failed; it is lost")
                with self._lock:
                    self.accepted -= 1
                    self.dropped += 1
                continue
            try:
                rows.append(self.pricer.price(row))
            except Exception:
                log.exception("ledger: pricing row %s failed; its cost stays unknown", row.id)
                rows.append(row)
        return rows

    def _write(self, rows: list[LedgerRow]) -> None:
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start : start + self.batch_size]
            if self._insert_with_retry(chunk):
                self.written += len(chunk)
            else:
                self._spill(chunk)

    def _insert_with_retry(self, rows: list[LedgerRow]) -> bool:
        """Insert, retrying with backoff; while the database is known to be down (the last
        batch exhausted its retries) try once only, so an outage cannot stall close()."""
        delays = self.retry_s if self._healthy else ()
        for attempt, delay in enumerate((*delays, None)):
            try:
                self.store.insert_many(rows)
                self._healthy = True
                return True
            except Exception as exc:
                log.warning(
                    "ledger: insert of %d rows failed (try %d): %s", len(rows), attempt + 1, exc
                )
                if delay is None:
                    self._healthy = False
                    return False
                time.sleep(delay)
        return False  # pragma: no cover

    def _spill(self, rows: list[LedgerRow]) -> None:
        try:
            with self._spill_lock:  # the writer and the overflow thread both append
                spill.append_rows(self.spill_file, rows)
                self.spilled += len(rows)
            log.error("ledger: %d rows spilled to %s", len(rows), self.spill_file)
        except OSError:
            log.exception("ledger: spilling %d rows failed; they are lost", len(rows))


def _as_source(item: object) -> RowSource:
    assert isinstance(item, LedgerRow) or callable(item)
    return item
