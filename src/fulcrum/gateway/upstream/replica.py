"""One server of a pool: its own connections and ejection state, and its load.

A replica is a :class:`~fulcrum.gateway.upstream.backends.Backend` of its own (a keep-alive
session, the plain-HTTP fast path) plus what the pool needs to choose between replicas: the
requests the gateway has in flight there, the load the server itself reports (refreshed by
the probe task, never on the request path), the last active probe's verdict and its
ejection state: ``eject_after`` consecutive failures eject it for ``eject_s``; then one
trial request may go (its success brings the replica back, its failure ejects it again).
Times are the pool's clock, passed in.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from yarl import URL

from fulcrum.gateway.backendconfig import BackendConfig

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.backends import Backend


@dataclass(slots=True, eq=False)
class Replica:
    index: int
    backend: Backend
    label: str  # host:port, as the ledger, the metrics and error texts show it
    cap: int | None  # requests in flight at once; None: no cap
    outstanding: int = 0  # the gateway's requests in flight here
    server_load: int = 0  # running + waiting requests the server reports (0: unknown)
    up: bool = True  # the last active probe's verdict
    admitted: int = 0  # requests sent here since start (metrics)
    eject_after: int = 3
    eject_s: float = 10.0
    failures: int = 0  # consecutive
    ejected_until: float | None = None  # None: serving; past it: one trial may go
    trial_since: float | None = None  # when the trial request went (None: none out)
    waiting: set[asyncio.Timeout] = field(default_factory=set)  # tries before their first byte

    @property
    def load(self) -> int:
        """Requests on the server: the server's own count when it reports a larger one."""
        return max(self.outstanding, self.server_load)

    @property
    def free(self) -> bool:
        return self.cap is None or self.outstanding < self.cap

    def ejected(self, now: float) -> bool:
        """Ejected, or on trial with the one trial request still out."""
        until = self.ejected_until
        if until is None:
            return False
        trial = self.trial_since
        return now < until or (trial is not None and now - trial < self.eject_s)

    def health(self, now: float) -> str:
        """``up``, ``down`` (the probe failed) or ``ejected`` (requests failed)."""
        if self.ejected(now):
            return "ejected"
        return "up" if self.up else "down"

    def claim(self, now: float) -> bool:
        """Whether a request may go here now (after an ejection: the one trial request)."""
        if self.ejected_until is None:
            return True
        if self.ejected(now):
            return False
        self.trial_since = now
        return True

    def went_down(self) -> None:
        """The probe found the server gone: tries still waiting for a first byte give up now
        (and fail over) instead of waiting out their timeout. A stream that began goes on."""
        now = asyncio.get_running_loop().time()
        for guard in self.waiting:
            guard.reschedule(now)

    def succeeded(self) -> None:
        self.failures = 0
        self.ejected_until = self.trial_since = None

    def failed(self, now: float) -> None:
        self.failures += 1
        if self.trial_since is not None or self.failures >= self.eject_after:
            self.ejected_until = now + self.eject_s
        self.trial_since = None


def replica_config(config: BackendConfig, url: str) -> BackendConfig:
    """A pool's config narrowed to one of its servers (the pool keeps the ejection state)."""
    return replace(config, base_url=url, base_urls=(), pool=None)


def replica_label(url: str) -> str:
    parsed = URL(url)
    return f"{parsed.host}:{parsed.port}" if parsed.port else str(parsed.host)
