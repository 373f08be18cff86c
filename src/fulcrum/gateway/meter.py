"""The meter: each finished call handed to the ledger writer, after its answer went out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Protocol

from fulcrum.gateway.metering import Call, Metrics, RowSource, count
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import LedgerRow

log = logging.getLogger(__name__)


class RowSink(Protocol):
    def submit(self, row: RowSource) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


# How long an ended call may wait for the loop to wait on an upstream (see Meter.flush_soon)
# before it is handed over anyway: an idle gateway's rows are still written at once.
FLUSH_AFTER_S = 0.002


class Meter:
    """Hands each finished call to the ledger writer as a deferred row.

    The request path only stops the call's clock and queues it. The calls ended so far are
    handed to the writer when the loop next waits on an upstream (the proxy calls
    :meth:`flush_soon` just before it sends a request on), so building their rows overlaps
    the upstream's work instead of delaying the next request; an idle gateway hands them
    over after ``FLUSH_AFTER_S``. The gateway's writer builds and prices them right there,
    on the loop, and inserts them in its thread (``prepare_in_caller``).
    """

    def __init__(self, sink: RowSink, metrics: Metrics, pricer: Pricer | None = None) -> None:
        self.sink = sink
        self.metrics = metrics
        self.pricer = pricer  # prices a budgeted call's row, to settle its reservation
        self._ended: list[Call] = []
        self._timer: asyncio.TimerHandle | None = None
        self._soon = False

    def add(self, call: Call) -> None:
        call.end()  # the duration ends now, not when the row is built
        if not self._ended:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (a batch or a test): hand it over now
                self.sink.submit(partial(self._build, call))
                return
            self._timer = loop.call_later(FLUSH_AFTER_S, self.flush)
        self._ended.append(call)

    def refused(self, call: Call) -> None:
        """Count a request refused before it had a model (a bad body): /metrics only."""
        call.end()
        assert call.ended is not None, "set by end()"
        self.metrics.served(call.endpoint, "-", call.status, call.ended - call.started)

    def flush_soon(self) -> None:
        """Hand the ended calls over once the caller suspends (a callback of their own):
        called just before the caller waits on an upstream."""
        if self._ended and not self._soon:
            self._soon = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Hand every call ended so far to the writer."""
        self._soon = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        ended, self._ended = self._ended, []
        for call in ended:
            self.sink.submit(partial(self._build, call))

    def _build(self, call: Call) -> LedgerRow:
        row = call.row()
        if call.settle is not None:
            row = self._settle(call.settle, row)
        try:
            count(call, row, self.metrics)
        except Exception:  # the row is still written
            log.exception("metrics failed for a call on %s", call.endpoint)
        if call.after_row is not None:
            try:
                call.after_row(call)
            except Exception:  # the row is still written
                log.exception("after a call on %s", call.endpoint)
        return row

    def _settle(self, settle: Callable[[Decimal | None], None], row: LedgerRow) -> LedgerRow:
        """Price the row now (the writer keeps the amounts) and settle the reservation."""
        try:
            if self.pricer is not None:
                row = self.pricer.price(row)
            settle(row.cost_usd)
        except Exception:  # the row is still written; the reservation expires on its own
            log.exception("budget: settling a reservation failed")
        return row
