"""Every try of every backend for one request, as :func:`~fulcrum.gateway.upstream.chain.open_chain`
makes them: the typed :class:`~fulcrum.ledger.attempts.Attempt` records the ledger row keeps.

The request's :class:`~fulcrum.gateway.metering.Call` owns the log and hands it to every
``open_chain`` it makes (a tool-use retry included), so the row shows failed tries and
failover even when no backend answered. One small record per try, none per stream chunk.
A try of a pool's replica also names the replica and how long the request waited in the
pool's queue for its slot.
"""

from __future__ import annotations

import time

from fulcrum.ledger.attempts import Attempt
from fulcrum.routing.router import RouteTarget

FAILOVER = "→failover"  # appended to the route's reason when another target answered or was tried


class AttemptLog:
    __slots__ = ("exhausted", "items", "since")

    def __init__(self, since: float | None = None) -> None:
        self.since = time.perf_counter() if since is None else since  # the request's arrival
        self.items: list[Attempt] = []
        self.exhausted = False  # a chain's every step failed (a full pool's refusal is not that)

    def add(
        self,
        target: RouteTarget,
        status: int | None,
        reason: str | None,
        start: float,
        *,
        replica: str | None = None,
        queue_ms: float | None = None,
    ) -> None:
        """A try of ``target`` that began at ``start`` (perf_counter) ended now; a pool's try
        also names its ``replica`` and the time it waited for a slot (``queue_ms``)."""
        now = time.perf_counter()
        start_ms, duration_ms = (start - self.since) * 1000, (now - start) * 1000
        self.items.append(Attempt(target.backend, target.model, status, reason, start_ms,
                                  duration_ms, replica, queue_ms))  # fmt: skip

    def failures(self, first: int = 0) -> list[Attempt]:
        return [a for a in self.items[first:] if a.failed]

    @property
    def none_answered(self) -> bool:
        """A chain ran out of steps and no try of this request got an answer: nothing reached
        the client."""
        return self.exhausted and all(a.failed for a in self.items)

    @property
    def failed_over(self) -> bool:
        """More than one (backend, model) was tried: the route's first choice did not answer."""
        return len({(a.backend, a.model) for a in self.items}) > 1
