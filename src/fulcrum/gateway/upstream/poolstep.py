"""One chain step on a pool: a replica per try, failover between replicas, spill when full.

Each try asks the pool for a slot (:meth:`~fulcrum.gateway.upstream.pool.Pool.admit`: the
session's replica, else the least loaded; waiting in the pool's queue when every replica is
at its cap). A replica that fails before the first byte is counted against it (consecutive
failures eject it) and the next replica is tried at once (also when the probe finds the
server gone while the try waits for its first byte); a replica is tried again, after
the retry back-off, only once every other usable one was. The answering replica keeps the
session. A stream holds its slot until the relay releases the response; a JSON answer gives
it back as soon as it is read. When no slot comes free within ``queue_wait_s`` (or the queue
is full) the step spills to the next step of the chain, or refuses (``on_full = "refuse"``):
a 529 ``overloaded_error``.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from fulcrum.errors import Overloaded
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.breaker import backoff_delay
from fulcrum.gateway.upstream.faststream import Streamed, read_within
from fulcrum.gateway.upstream.pool import Lease, Pool, PoolFull
from fulcrum.gateway.upstream.tries import Opened, Retry, attempt
from fulcrum.gateway.upstream.walk import Walk
from fulcrum.routing.router import RouteTarget


class HeldStream(Streamed):
    """An upstream stream that gives its replica's slot back when it is released."""

    def __init__(self, inner: aiohttp.ClientResponse | Streamed, lease: Lease) -> None:
        self.status = inner.status
        self.headers = inner.headers
        self._inner = inner
        self._lease = lease
        self.readany = inner.content.readany  # type: ignore[method-assign]  # no extra hop

    @property
    def content(self) -> Streamed:
        return self

    async def readany_within(self, timeout: float) -> bytes:
        return await read_within(self._inner.content, timeout)

    def at_eof(self) -> bool:
        return self._inner.content.at_eof()

    async def read(self) -> bytes:
        try:
            return await self._inner.read()
        finally:
            self.release()

    def release(self) -> None:
        self._inner.release()
        self._lease.release()

    def close(self) -> None:
        self._inner.close()
        self._lease.release()


async def open_pooled(walk: Walk, backend: Backend, target: RouteTarget) -> Opened | None:
    """Tries of one pool; None: move on down the chain (every replica failed, or spill)."""
    pool = backend.pool
    assert pool is not None
    body = walk.build(backend, target)
    deadline = pool.clock() + pool.policy.queue_wait_s
    tried: set[int] = set()
    budget = max(backend.config.retry.attempts, len(pool.replicas))
    for number in range(1, budget + 1):
        lease = await _admit(walk, pool, target, tried, deadline=deadline, number=number)
        if lease is None:
            return None
        walk.attempts += 1
        opened = await _try(walk, backend, target, body, lease)
        if opened is not None:
            return opened
        tried.add(lease.replica.index)
        if walk.last is not None and walk.last.key_refused:
            return None  # every replica has the same key
    return None


async def _admit(
    walk: Walk, pool: Pool, target: RouteTarget, tried: set[int], *, deadline: float, number: int
) -> Lease | None:
    """A slot for the next try; None (logged) when the step must give up."""
    started = time.perf_counter()
    if tried and not pool.usable(tried) and pool.usable():
        delay = backoff_delay(pool.replicas[0].backend.config.retry, number - 1, None)
        await asyncio.sleep(delay or 0.0)  # every usable replica was tried: again, from the top
        tried.clear()
    try:
        return await pool.admit(walk.session_id(), frozenset(tried), deadline)
    except LookupError as exc:
        walk.log.add(target, None, f"pool: {exc}", started)
    except PoolFull as exc:
        waited_ms = (time.perf_counter() - started) * 1000
        walk.log.add(target, None, f"pool full: {exc}", started, queue_ms=waited_ms)
        pool.stats.full[pool.policy.on_full] += 1
        message = f"{pool.name}: every replica is busy ({exc})"
        if pool.policy.on_full == "refuse":
            raise Overloaded(message) from None
        walk.last, walk.overloaded = None, message
    return None


async def _try(
    walk: Walk, backend: Backend, target: RouteTarget, body: bytes, lease: Lease
) -> Opened | None:
    replica = lease.replica
    queue_ms = lease.queued_s * 1000
    tried = time.perf_counter()
    try:
        async with asyncio.timeout(None) as guard:  # fired by the probe when the server goes
            replica.waiting.add(guard)
            try:
                opened = await attempt(
                    replica.backend,
                    target,
                    walk.endpoint(replica.backend),
                    body,
                    walk.client_headers,
                    stream=walk.stream,
                )
            finally:
                replica.waiting.discard(guard)
    except (Retry, TimeoutError) as exc:  # a try's own timeouts are a Retry already
        lease.release()
        walk.last = exc if isinstance(exc, Retry) else Retry("the server went down (probe)")
        reason = f"{replica.label}: {walk.last.reason}"
        walk.log.add(
            target, walk.last.status, reason, tried, replica=replica.label, queue_ms=queue_ms
        )
        if not walk.last.rate_limited:
            lease.pool.failed(replica)
        return None
    except BaseException:
        lease.release()
        raise
    replica.succeeded()
    if lease.repin:
        lease.pool.pin(walk.session, replica)
    walk.log.add(target, opened.status, None, tried, replica=replica.label, queue_ms=queue_ms)
    opened.backend = backend  # the pool answers, to routing, metering and the relay
    if walk.stream and opened.ok and opened.response is not None:
        opened.response = HeldStream(opened.response, lease)
    else:
        lease.release()
    return opened
