"""A pool: several servers of one model behind one backend name.

Routing sees one backend; the chain asks the pool for a replica each time it tries the
pool (:func:`fulcrum.gateway.upstream.poolstep.open_pooled`):

- **Affinity.** A session's requests go to the replica that served it (its prompt cache,
  a llama.cpp slot or vLLM's prefix cache, is there) while that replica is healthy and has
  a free slot; a session moves only when its replica is ejected, down or failed it.
- **Least load.** Otherwise, and for a new session, the healthy replica with a free slot and
  the least load (the gateway's requests in flight, or the server's own running + waiting
  count when it reports a larger one); ties go round-robin, so new sessions spread.
- **Cap and queue.** With ``max_concurrent``, a request finding every replica at its cap
  waits (first come, first served) for a slot, at most ``queue_wait_s`` and behind at most
  ``queue_max`` others; then :class:`PoolFull` (the step spills or refuses). A request never
  waits while a usable replica has a free slot.
- **Health.** A replica whose requests fail ``eject_after`` times in a row is ejected for
  ``eject_s``, then one trial request (or a good active probe) brings it back; one whose
  probe fails is passed over until a probe succeeds (unless every replica is down: probes
  can be wrong, requests decide then).

All of it runs on the event loop with no I/O and no lock: a few comparisons per request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fulcrum.gateway.backendconfig import BackendConfig, PoolPolicy
from fulcrum.gateway.upstream.replica import Replica, replica_config, replica_label

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.backends import Backend

MAX_SESSIONS = 100_000  # affinity entries kept (least recently used dropped first)


class PoolFull(Exception):
    """No slot came free in time, or the queue was full: spill or refuse."""


@dataclass(slots=True, eq=False)
class Lease:
    """A slot on one replica, held until :meth:`release` (idempotent)."""

    pool: Pool
    replica: Replica
    queued_s: float  # how long the request waited for the slot
    repin: bool  # the session moves to this replica if it answers
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.pool.release(self.replica)


@dataclass(slots=True, eq=False)
class _Waiter:
    future: asyncio.Future[Replica]
    prefer: Replica | None
    tried: frozenset[int]


@dataclass(slots=True)
class PoolStats:
    """Counters the metrics read at scrape time."""

    queued: int = 0  # requests that waited for a slot
    wait_s: float = 0.0  # their total wait
    full: dict[str, int] = field(default_factory=lambda: {"spill": 0, "refuse": 0})


class Pool:
    def __init__(
        self,
        config: BackendConfig,
        make: Callable[[BackendConfig], Backend],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert config.pool is not None, "only a pooled backend has a pool"
        self.name = config.name
        self.policy: PoolPolicy = config.pool
        self.clock = clock
        urls = config.base_urls or (config.base_url,)
        self.replicas = [
            self._replica(i, make(replica_config(config, u)), u) for i, u in enumerate(urls)
        ]
        self.stats = PoolStats()
        self._affinity: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._waiters: deque[_Waiter] = deque()
        self._rr = 0
        self.probe_task: asyncio.Task[None] | None = None

    def _replica(self, index: int, backend: Backend, url: str) -> Replica:
        p = self.policy
        return Replica(index, backend, replica_label(url), p.max_concurrent,
                       eject_after=p.eject_after, eject_s=p.eject_s)  # fmt: skip

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    # -- affinity ---------------------------------------------------------------------------
    def pinned(self, session: str | None) -> Replica | None:
        """The session's replica, refreshed; None for no session, a new or an expired one."""
        if session is None:
            return None
        entry = self._affinity.get(session)
        if entry is None:
            return None
        now = self.clock()
        if now - entry[1] > self.policy.affinity_ttl_s:
            del self._affinity[session]
            return None
        self._affinity[session] = (entry[0], now)
        self._affinity.move_to_end(session)
        return self.replicas[entry[0]]

    def pin(self, session: str | None, replica: Replica) -> None:
        if session is None or self.policy.affinity_ttl_s <= 0:
            return
        self._affinity[session] = (replica.index, self.clock())
        self._affinity.move_to_end(session)
        while len(self._affinity) > MAX_SESSIONS:
            self._affinity.popitem(last=False)

    # -- choice -----------------------------------------------------------------------------
    def usable(self, tried: Iterable[int] = ()) -> list[Replica]:
        """Replicas a request may go to: not ejected, not tried, up (all, when none is up)."""
        skip, now = set(tried), self.clock()
        live = [r for r in self.replicas if r.index not in skip and not r.ejected(now)]
        up = [r for r in live if r.up]
        return up or live

    def _choose(self, prefer: Replica | None, tried: frozenset[int]) -> Replica | None:
        usable, now = self.usable(tried), self.clock()
        if prefer is not None and prefer in usable and prefer.free and prefer.claim(now):
            return prefer
        n = len(self.replicas)
        usable.sort(key=lambda r: (r.load, (r.index - self._rr) % n))
        for replica in usable:
            if replica is not prefer and replica.free and replica.claim(now):
                if prefer is None:
                    self._rr = replica.index + 1  # the next new session starts after it
                return replica
        return None

    def _take(self, replica: Replica) -> Replica:
        replica.outstanding += 1
        replica.admitted += 1
        return replica

    async def admit(self, session: str | None, tried: frozenset[int], deadline: float) -> Lease:
        """A slot on a replica for this request (waiting until ``deadline``, clock time).

        Raises :class:`PoolFull` when none came free in time or the queue is full, and
        ``LookupError`` when no replica is usable at all (all ejected or already tried)."""
        pinned = self.pinned(session)
        prefer = pinned if pinned is not None and pinned.index not in tried else None
        usable = self.usable(tried)
        if not usable:
            raise LookupError("no healthy replica")
        repin = pinned is None or pinned not in usable
        replica = self._choose(prefer, tried)
        if replica is not None:
            return Lease(self, self._take(replica), 0.0, repin or replica is pinned)
        started = self.clock()
        replica = await self._wait(prefer, tried, deadline)
        waited = self.clock() - started
        self.stats.queued += 1
        self.stats.wait_s += waited
        return Lease(self, replica, waited, repin or replica is pinned)

    async def _wait(
        self, prefer: Replica | None, tried: frozenset[int], deadline: float
    ) -> Replica:
        if len(self._waiters) >= self.policy.queue_max:
            raise PoolFull(f"every replica is at its cap and {len(self._waiters)} requests wait")
        waiter = _Waiter(asyncio.get_running_loop().create_future(), prefer, tried)
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(max(deadline - self.clock(), 0.0)):
                return await waiter.future
        except TimeoutError:
            if waiter.future.done() and not waiter.future.cancelled():
                return waiter.future.result()  # handed a slot as the wait ran out: use it
            raise PoolFull(
                f"no replica had a free slot within {self.policy.queue_wait_s:g} s"
            ) from None
        except BaseException:
            if waiter.future.done() and not waiter.future.cancelled():
                self.release(waiter.future.result())  # handed a slot, then cancelled
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def failed(self, replica: Replica) -> None:
        """A try on ``replica`` failed before its first byte (counts toward ejection)."""
        replica.failed(self.clock())

    def release(self, replica: Replica) -> None:
        replica.outstanding = max(replica.outstanding - 1, 0)
        self.dispatch()

    def dispatch(self) -> None:
        """Hand free slots to waiters, first come first served (a slot freed, a replica back)."""
        for waiter in list(self._waiters):
            if waiter.future.done():
                continue
            replica = self._choose(waiter.prefer, waiter.tried)
            if replica is not None:
                self._waiters.remove(waiter)
                waiter.future.set_result(self._take(replica))

    def open(self) -> None:
        from fulcrum.gateway.upstream.probes import start_probes  # noqa: PLC0415 - optional task

        for replica in self.replicas:
            replica.backend.open()
        self.probe_task = start_probes(self)

    async def close(self) -> None:
        task, self.probe_task = self.probe_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for replica in self.replicas:
            await replica.backend.close()
