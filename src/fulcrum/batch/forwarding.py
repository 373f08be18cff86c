"""The batch worker's forwarding loop: items no local backend serves, through the provider's
own batch API.

Every ``poll_s`` it takes the items waiting for each api backend in ``[batch] forward`` (a
claim with a lease, as for local items; at most :data:`MAX_PER_BATCH` at once) and submits
them as ONE provider batch per backend, then records the provider's batch id on them. Every
``forward_poll_s`` it asks each provider batch with items still running whether it has ended;
when one has, it fetches the results and finishes every item of it in one transaction (result
and ledger row, once). Nothing here runs on a request path, and none of it waits for the run
window: a provider batch does not use the local machine.

A gateway restarted while a provider batch runs polls it again (its id is in the database),
never submits it again. A crash between the provider's answer to the submission and recording
its id leaves the items' leases to expire, and they are submitted again: the only window in
which a provider batch can be sent twice. A provider that refuses a submission (4xx) ends its
items ``errored`` with its error; a 429, a 5xx or no answer puts them back in the queue until
``max_attempts`` are spent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from fulcrum.batch import forward_store, queue
from fulcrum.batch.config import BatchConfig
from fulcrum.batch.forward import item_target, provider_body
from fulcrum.batch.forward_result import Forwarded, finished, priced
from fulcrum.batch.forwarders import PROVIDER_BATCHES
from fulcrum.batch.providers import Line, Outcome
from fulcrum.batch.queue import Claimed
from fulcrum.batch.registry import item_api
from fulcrum.batch.store import BatchStore
from fulcrum.errors import FulcrumError, InvalidRequest
from fulcrum.gateway.state import GatewayState
from fulcrum.ledger.pgconn import OutageLog
from fulcrum.ledger.row import new_row_id
from fulcrum.ledger.store import LedgerUnavailable

log = logging.getLogger(__name__)
outage = OutageLog(log)  # a database outage: one line per 30 s, no traceback
MAX_PER_BATCH = 10_000  # below both providers' limits (100,000 and 50,000 requests)
RETRY_DELAY_S = 30.0


class Forwarder:
    def __init__(
        self,
        state: GatewayState,
        store: BatchStore,
        config: BatchConfig,
        on_end: Callable[[], None] = lambda: None,
    ) -> None:
        self.state = state
        self.store = store
        self.config = config
        self.on_end = on_end
        self._polled = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Poll provider batches in flight even when ``forward`` is now empty: items sent
        under an earlier config still end, once."""
        self._task = asyncio.create_task(self._run(), name="fulcrum-batch-forward")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except LedgerUnavailable as exc:  # the database is away: next time
                outage.warn("batch: forwarding to a provider's batch API failed", exc)
            except Exception:  # a provider was away: next time
                log.exception("batch: forwarding to a provider's batch API failed")
            await asyncio.sleep(self.config.poll_s)

    async def tick(self) -> None:
        now = time.time()
        if self.config.forward:
            for backend in await asyncio.to_thread(forward_store.waiting, self.store, now):
                if backend in self.config.forward:
                    await self.submit(backend)
        if now - self._polled < self.config.forward_poll_s:
            return
        self._polled = now
        for forward_id, backend in await asyncio.to_thread(forward_store.in_flight, self.store):
            if backend not in self.state.backends.by_name:
                continue  # a backend this config no longer has: another gateway's to finish
            try:
                await self.poll(forward_id, backend)
            except Exception:  # this provider batch next time; the others now
                log.exception("batch: polling provider batch %s on %s failed", forward_id, backend)

    async def submit(self, backend_name: str) -> str | None:
        """One provider batch of the items waiting for ``backend_name``; its id."""
        token, now = new_row_id(), time.time()
        claimed = await asyncio.to_thread(
            queue.claim, self.store, MAX_PER_BATCH, token=token, now=now,
            lease_s=self.config.lease_s, forward=backend_name,
        )  # fmt: skip
        if not claimed:
            return None
        backend = self.state.backends[backend_name]
        lines, claimed = await asyncio.to_thread(self._lines, claimed, backend_name)
        if not lines:
            return None
        try:
            forward_id = await PROVIDER_BATCHES[backend.format.name].submit(backend, lines)
        except FulcrumError as exc:
            await asyncio.to_thread(self._refused, claimed, exc)
            return None
        taken = await asyncio.to_thread(forward_store.submitted, self.store, token, forward_id)
        log.info("batch: %d items sent to %s as batch %s", taken, backend_name, forward_id)
        return forward_id

    def _lines(self, claimed: list[Claimed], backend: str) -> tuple[list[Line], list[Claimed]]:
        """Each item's request for the provider; an item that cannot be shaped ends errored."""
        lines: list[Line] = []
        kept: list[Claimed] = []
        for item in claimed:
            try:
                api = item_api(item.api, item.endpoint)
                lines.append((item.id, provider_body(self.state, api, item, backend)))
                kept.append(item)
            except (FulcrumError, ValueError, KeyError, TypeError) as exc:
                error = exc if isinstance(exc, FulcrumError) else InvalidRequest(str(exc))
                self._refused([item], error)
        return lines, kept

    def _refused(self, claimed: list[Claimed], exc: FulcrumError) -> None:
        retry = exc.status >= 500 or exc.status == 429
        for item in claimed:
            if retry and item.attempts < self.config.max_attempts:
                queue.release(self.store, item, not_before=time.time() + RETRY_DELAY_S)
                continue
            queue.finish(self.store, item, outcome="errored", status_code=exc.status,
                         result=item_api(item.api, item.endpoint).error_result(exc), row=None,
                         now=time.time())  # fmt: skip
        log.warning("batch: a provider batch was refused (%s): %s", exc.status, exc.message)

    async def poll(self, forward_id: str, backend_name: str) -> bool:
        """Whether the provider batch has ended (its items then finished here, once)."""
        backend = self.state.backends[backend_name]
        outcomes = await PROVIDER_BATCHES[backend.format.name].results(backend, forward_id)
        if outcomes is None:
            return False
        await asyncio.to_thread(self._finish, forward_id, backend_name, outcomes)
        self.on_end()
        return True

    def _finish(self, forward_id: str, backend_name: str, outcomes: list[Outcome]) -> None:
        """In a thread: every item's result and priced row, in one transaction."""
        backend = self.state.backends[backend_name]
        by_id = {o.custom_id: o for o in outcomes}
        pricer = self.state.meter.pricer
        ends = []
        for item in forward_store.items(self.store, forward_id):
            api = item_api(item.api, item.endpoint)
            target = item_target(self.state, api, item, backend_name)
            at = Forwarded(api, item, backend, target, forward_id)
            end = finished(at, by_id.get(item.id))
            if end.row is not None:
                end = replace(end, row=priced(pricer, end.row))
            ends.append(end)
        done = forward_store.finish_all(self.store, forward_id, ends, time.time())
        requests = self.state.metrics.requests  # counted; no duration (a provider batch's)
        for row in (end.row for end in done if end.row is not None):
            requests.labels(row.endpoint, backend_name, str(row.status)).inc()
        log.info("batch: provider batch %s ended; %d items finished", forward_id, len(done))
