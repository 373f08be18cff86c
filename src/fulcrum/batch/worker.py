"""The batch worker: a background task of ``fulcrum serve`` that runs queued items.

Every ``poll_s`` (or at once when a batch is created here or an item ends) it claims as many
items as it has free slots (``max_concurrent``), but only while the window is open, or, with
``idle_only``, while no interactive call is on a local backend (the gateway's share clock
counts every local call in flight; the worker subtracts its own). Items already running go
on; new ones wait, so interactive traffic is never queued behind a batch.

Leases are renewed while items run; on a graceful stop the items still running are put back
in the queue, and after a crash their leases expire and another claim takes them. Items for
an api backend in ``[batch] forward`` are never claimed here: the worker's
:class:`~fulcrum.batch.forwarding.Forwarder` sends them to the provider's batch API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from fulcrum.batch import queue
from fulcrum.batch.config import BatchConfig
from fulcrum.batch.forwarding import Forwarder
from fulcrum.batch.queue import Claimed
from fulcrum.batch.registry import APIS, item_api
from fulcrum.batch.runner import OnMachine, Ran, ledger_row, run_item
from fulcrum.batch.store import BatchStore
from fulcrum.gateway.state import GatewayState
from fulcrum.ledger.pgconn import OutageLog
from fulcrum.ledger.row import new_row_id
from fulcrum.ledger.store import LedgerUnavailable

log = logging.getLogger(__name__)
outage = OutageLog(log)  # a database outage: one line per 30 s, no traceback


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    def __init__(
        self,
        state: GatewayState,
        store: BatchStore,
        config: BatchConfig,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.state = state
        self.store = store
        self.config = config
        self.clock = clock
        self.running: dict[asyncio.Task[None], Claimed] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        # A claim in its thread: stop() waits for it, so what it took is put back too.
        self._claiming: asyncio.Future[list[Claimed]] | None = None
        self._renewed = time.time()
        self.on_machine = OnMachine()  # this worker's calls among the local ones in flight
        self.forwarder = Forwarder(state, store, config, on_end=self.poke)

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="fulcrum-batch-worker")
        self.forwarder.start()  # items for [batch] forward backends: provider batches

    def poke(self) -> None:
        """Look for work now (a batch was created, an item ended)."""
        self._wake.set()

    def may_start(self) -> bool:
        interactive = self.state.local_clock.in_flight - self.on_machine.n
        return self.config.may_start(self.clock(), interactive)

    async def _run(self) -> None:
        while True:
            try:
                await self._tick()
            except LedgerUnavailable as exc:  # the database is away: try again next poll
                outage.warn("batch: claiming items failed", exc)
            except Exception:
                log.exception("batch: claiming items failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.poll_s):
                    await self._wake.wait()
            self._wake.clear()

    async def _tick(self) -> None:
        await self._renew()
        free = self.config.max_concurrent - len(self.running)
        if free <= 0 or not self.may_start():
            return
        self._claiming = asyncio.ensure_future(asyncio.to_thread(self._claim, free))
        claimed = await asyncio.shield(self._claiming)
        self._claiming = None
        for item in claimed:
            task = asyncio.create_task(self._one(item), name=f"batch-item-{item.id}")
            self.running[task] = item
            task.add_done_callback(self._ended)

    def _claim(self, n: int) -> list[Claimed]:
        now = time.time()
        if not queue.due(self.store, now):
            return []
        return queue.claim(self.store, n, token=new_row_id(), now=now, lease_s=self.config.lease_s)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.running.pop(task, None)
        self.poke()

    async def _renew(self) -> None:
        now = time.time()
        if not self.running or now - self._renewed < self.config.lease_s / 3:
            return
        self._renewed = now
        tokens = sorted({item.claim for item in self.running.values()})
        await asyncio.to_thread(queue.renew, self.store, tokens, until=now + self.config.lease_s)

    async def _one(self, item: Claimed) -> None:
        api = item_api(item.api, item.endpoint)
        try:
            ran = await run_item(self.state, api, item, self.config.max_attempts, self.on_machine)
            if ran.retry:
                when = time.time() + self.config.retry_delay(item.attempts)
                await asyncio.to_thread(queue.release, self.store, item, not_before=when)
                return
            await asyncio.to_thread(self._finish, item, ran)
        except asyncio.CancelledError:
            raise
        except Exception:  # left running: its lease expires and it is tried again
            log.exception("batch: item %s of %s failed in the gateway", item.id, item.batch_id)

    def _finish(self, item: Claimed, ran: Ran) -> None:
        """In a thread: build and price the row, then record result and row together."""
        row = None
        if ran.call is not None:
            row = ledger_row(ran.call, self.state.meter.pricer)
        done = queue.finish(
            self.store, item, outcome=ran.outcome, status_code=ran.status_code,
            result=ran.result, row=row, now=time.time(),
        )  # fmt: skip
        if not done:
            log.warning("batch: item %s was taken over after its lease expired", item.id)
        elif ran.call is not None and row is not None:
            self.state.metrics.served(api_endpoint(item), row.backend, row.status,
                                      (row.duration_ms or 0.0) / 1000)  # fmt: skip

    async def stop(self) -> None:
        """Stop claiming; cancel the items in flight and put them back in the queue."""
        await self.forwarder.stop()
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        items = list(self.running.values()) + await self._claimed_at_stop()
        for task in list(self.running):
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)
        for item in items:
            with contextlib.suppress(Exception):
                # a try the stop cut short is not one of its max_attempts
                await asyncio.to_thread(queue.release, self.store, item, not_before=time.time(),
                                        refund=True)  # fmt: skip

    async def _claimed_at_stop(self) -> list[Claimed]:
        """What a claim still running in its thread when the loop was cancelled took (it
        commits whatever happens to the loop): those items go back to the queue too."""
        claiming, self._claiming = self._claiming, None
        if claiming is None:
            return []
        try:
            return await claiming
        except Exception:  # the claim itself failed: it took nothing
            return []


def api_endpoint(item: Claimed) -> str:
    return APIS[item.api].endpoint
