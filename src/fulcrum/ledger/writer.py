"""The background ledger writer: ``submit`` on the request path, the database off it.

``submit(row)`` queues the row (or a function that builds it): it never blocks on the
database and never raises. Each row is built, priced with the :class:`Pricer` and encoded
as the store's insert parameters; one daemon thread, woken once per batch, inserts the queue
in batches (what arrived within ``max_delay_s`` of the first, up to ``batch_size`` rows).

By default the rows are prepared in the writer's thread, so ``submit`` costs the caller
almost nothing; ``prepare_in_caller=True`` prepares them in ``submit``. An event loop that
submits after its answers went out (the gateway) takes the second: preparing rows in another
Python thread makes the two hand the GIL to each other many times a batch, each hand-over
stalling the loop (bench/README.md). ``nice`` lowers the thread's CPU priority, for a thread
that only inserts: the CPU the request path leaves is enough, and it lets go of the GIL.

A failed insert is retried with backoff; rows the database still refuses are appended to a
JSON-lines spill file in the data directory: nothing accepted is silently lost. The queue is
bounded (``max_queued`` rows): while the database is down or slow, a row that finds it full
goes to an overflow list a second thread appends to the spill file. ``close()`` stops
accepting, flushes every accepted row and closes the store (a row submitted later: dropped).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from fulcrum.aio import lower_thread_priority
from fulcrum.ledger import spill
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import LedgerRow
from fulcrum.ledger.store import LedgerStore
from fulcrum.settings import Paths

log = logging.getLogger(__name__)

RowSource = LedgerRow | Callable[[], LedgerRow]


class Prepared(NamedTuple):
    """A row built and priced, with its insert parameters (the row itself is spilled)."""

    row: LedgerRow
    values: tuple[Any, ...]


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
        prepare_in_caller: bool = False,
        nice: int = 0,
    ) -> None:
        self.store = store
        self.pricer = pricer or Pricer()
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.retry_s = tuple(retry_s)
        self.spill_file = spill_file or Paths.build().data / spill.DEFAULT_NAME
        self.prepare_in_caller = prepare_in_caller
        self.nice = nice
        self.accepted = self.written = self.dropped = self.spilled = 0
        self.max_queued = max_queued
        self.overflowed = 0  # rows that found the queue full and went straight to the spill
        self._queue: deque[RowSource | Prepared] = deque()
        self._wake = threading.Event()  # set: rows are queued (or close() began)
        self._lock = threading.Lock()
        self._spill_lock = threading.Lock()
        self._overflow: list[RowSource | Prepared] = []
        self._overflow_ready = threading.Event()
        self._spiller: threading.Thread | None = None
        self._closed = False
        self._healthy = True
        self._thread = threading.Thread(target=self._run, name="fulcrum-ledger", daemon=True)
        self._thread.start()

    def submit(self, row: RowSource) -> None:
        """Queue ``row`` (or its builder) for writing. Never blocks on the database; never
        raises (a row that cannot be built or encoded is logged and counted in ``dropped``)."""
        try:
            if not isinstance(row, LedgerRow) and not callable(row):
                log.error("ledger: submit() got %s, not a LedgerRow; dropped", type(row).__name__)
                self._drop(accepted=False)
                return
            item = self._prepare_one(row) if self.prepare_in_caller else row
            if item is not None:
                self._enqueue(item)
        except Exception:  # pragma: no cover - defensive: the request path must not fail
            log.exception("ledger: submit failed")

    def _enqueue(self, item: RowSource | Prepared) -> None:
        with self._lock:
            if not self._closed:
                self.accepted += 1
                if len(self._queue) < self.max_queued:
                    self._queue.append(item)
                    if not self._wake.is_set():
                        self._wake.set()
                else:
                    self._overflow_row(item)
                return
            self.dropped += 1
        row = item.row if isinstance(item, Prepared) else item
        log.error("ledger: row %s submitted after close(); dropped", getattr(row, "id", "-"))

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting rows, write every accepted row, close the store. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._wake.set()
            self._overflow_ready.set()
        self._thread.join(timeout)
        if self._spiller is not None:
            self._spiller.join(timeout)
        if self._thread.is_alive() or (self._spiller is not None and self._spiller.is_alive()):
            log.error("ledger: writer did not finish within %s s", timeout)
            return
        self.store.close()

    def _overflow_row(self, item: RowSource | Prepared) -> None:
        """The queue is full (the lock is held): hand the row to the spill thread."""
        self._overflow.append(item)
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
                items, self._overflow = self._overflow, []
                self._overflow_ready.clear()
                done = self._closed
            if items:
                self._spill([p.row for p in self._prepare(items)])
            if done:
                return

    @property
    def pending(self) -> int:
        """Rows accepted but not yet written (or spilled)."""
        return self.accepted - self.written - self.spilled

    def _run(self) -> None:
        lower_thread_priority(self.nice)
        while True:
            self._wake.wait()
            if not self._closed:
                time.sleep(self.max_delay_s)  # the batch: what arrives within the delay
            while True:
                batch, done = self._take()
                try:
                    self._write(self._prepare(batch))
                except Exception:  # pragma: no cover - keep the writer alive whatever happens
                    log.exception("ledger: writing a batch of %d rows failed", len(batch))
                if done:
                    return
                if len(batch) < self.batch_size:
                    break

    def _take(self) -> tuple[list[RowSource | Prepared], bool]:
        """Up to ``batch_size`` queued rows, and whether the writer should stop after them
        (close() began and nothing is left). The wake-up is cleared only once the queue is
        empty, under the lock ``submit`` holds, so no row waits for a later one."""
        with self._lock:
            queued = self._queue
            batch = [queued.popleft() for _ in range(min(len(queued), self.batch_size))]
            if not queued:
                if self._closed:
                    return batch, True
                self._wake.clear()
            return batch, False

    def _prepare(self, batch: list[RowSource | Prepared]) -> list[Prepared]:
        out = [p if isinstance(p, Prepared) else self._prepare_one(p) for p in batch]
        return [p for p in out if p is not None]

    def _prepare_one(self, item: RowSource) -> Prepared | None:
        """The row built, priced and encoded; None when it cannot be built or encoded (it is
        lost: logged, counted in ``dropped``). One that fails to price keeps unknown costs."""
        try:
            row = item if isinstance(item, LedgerRow) else item()
        except Exception:
            log.exception("ledger: building a row failed; it is lost")
            self._drop(accepted=not self.prepare_in_caller)
            return None
        try:
            row = self.pricer.price(row)
        except Exception:
            log.exception("ledger: pricing row %s failed; its cost stays unknown", row.id)
        try:
            return Prepared(row, self.store.encode(row))
        except Exception:
            log.exception("ledger: encoding row %s failed; it is lost", row.id)
            self._drop(accepted=not self.prepare_in_caller)
            return None

    def _drop(self, *, accepted: bool) -> None:
        """Count a row lost (one already counted as accepted is taken out of it)."""
        with self._lock:
            if accepted:
                self.accepted -= 1
            self.dropped += 1

    def _write(self, prepared: list[Prepared]) -> None:
        for start in range(0, len(prepared), self.batch_size):
            chunk = prepared[start : start + self.batch_size]
            if self._insert_with_retry([p.values for p in chunk]):
                self.written += len(chunk)
            else:
                self._spill([p.row for p in chunk])

    def _insert_with_retry(self, values: list[tuple[Any, ...]]) -> bool:
        """Insert, retrying with backoff; while the database is known to be down (the last
        batch exhausted its retries) try once only, so an outage cannot stall close()."""
        delays = self.retry_s if self._healthy else ()
        for attempt, delay in enumerate((*delays, None)):
            try:
                self.store.insert_encoded(values)
                self._healthy = True
                return True
            except Exception as exc:
                log.warning(
                    "ledger: insert of %d rows failed (try %d): %s", len(values), attempt + 1, exc
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
