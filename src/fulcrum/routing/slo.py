"""The local latency SLO: new sessions spill to the frontier while a local backend is slow.

```toml
[policy.latency]
ttft_ms_max = 4000      # spill when the recent time to first token (its percentile) exceeds this
ttft_percentile = 90    # which percentile of the window's TTFTs is compared (50..100)
queue_max = 8           # spill when the backend's queue (calls waiting or in flight) exceeds this
window_s = 60           # the TTFTs of the last window_s seconds count
recover_ratio = 0.7     # back only when every measure is below 70% of its limit ...
min_hold_s = 30         # ... and the spill has lasted at least this long
```

A backend *spills* when its TTFT percentile (over at least :data:`MIN_SAMPLES` recent calls)
exceeds ``ttft_ms_max`` or its queue depth exceeds ``queue_max``. It recovers only when both
are below ``recover_ratio`` × their limit (a window with no TTFT left counts as recovered)
and it has spilled for ``min_hold_s``: the gap between the two thresholds and the hold keep a
backend near its limit from flapping. Only new decisions consult the guard; pinned sessions
stay where they are. Thread-safe, clock injectable; state is per process (each gateway
measures the latency its own calls see).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from fulcrum.tables import Table

MIN_SAMPLES = 3
MAX_SAMPLES = 512  # per backend: the percentile sorts at most this many


@dataclass(frozen=True, slots=True)
class LatencyConfig:
    ttft_ms_max: float | None = None
    queue_max: int | None = None
    window_s: float = 60.0
    recover_ratio: float = 0.7
    min_hold_s: float = 30.0
    ttft_percentile: float = 90.0


MAX_SECONDS = 86_400.0  # a day: window_s and min_hold_s (a time span must fit a timedelta)


def parse_latency(t: Table) -> LatencyConfig:
    """Read ``[policy.latency]``; a mistake is a ConfigError naming the field."""
    t.only("ttft_ms_max", "queue_max", "window_s", "recover_ratio", "min_hold_s",
           "ttft_percentile")  # fmt: skip
    config = LatencyConfig(
        ttft_ms_max=t.number("ttft_ms_max", low=1.0) if t.has("ttft_ms_max") else None,
        queue_max=t.opt_int("queue_max", low=1),
        window_s=t.number("window_s", 60.0, low=1.0, high=MAX_SECONDS),
        recover_ratio=t.number("recover_ratio", 0.7, low=0.05, high=1.0),
        min_hold_s=t.number("min_hold_s", 30.0, low=0.0, high=MAX_SECONDS),
        ttft_percentile=t.number("ttft_percentile", 90.0, low=50.0, high=100.0),
    )
    if config.ttft_ms_max is None and config.queue_max is None:
        t.fail("ttft_ms_max", "ttft_ms_max or queue_max (a latency SLO needs a limit)")
    return config


@dataclass(frozen=True, slots=True)
class LatencyState:
    """One backend, for ``/metrics``, the dashboard and ``route explain``."""

    backend: str
    spilling: bool
    reason: str | None  # "ttft" or "queue" while spilling
    ttft_ms: float | None  # the window's percentile; None below MIN_SAMPLES
    samples: int
    queue: int
    for_s: float | None  # seconds in this state (None: never changed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Backend:
    ttfts: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))
    queue: int = 0
    spilling: bool = False
    reason: str | None = None
    since: float | None = None
    changes: int = 0  # TTFTs added or expired: the percentile is sorted again only then
    sorted_at: int = -1
    percentile: float | None = None
    depth: Callable[[], int] | None = None  # where the queue depth is read (watch_queue)


class LatencyGuard:
    """Per-backend spill state from observed TTFTs and queue depths."""

    def __init__(
        self, config: LatencyConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._backends: dict[str, _Backend] = {}

    def observe_ttft(self, backend: str, ms: float) -> None:
        """A local call's time to first token."""
        with self._lock:
            b = self._get(backend)
            b.ttfts.append((self._clock(), ms))
            b.changes += 1

    def watch_queue(self, backend: str, depth: Callable[[], int]) -> None:
        """Read the backend's queue depth (calls waiting or in flight) from ``depth``
        whenever the guard looks at the backend."""
        with self._lock:
            self._get(backend).depth = depth

    def spilling(self, backend: str) -> bool:
        """Should a new session that would go to ``backend`` go to the frontier instead?"""
        with self._lock:
            b = self._get(backend)
            self._update(b, self._percentile(b))
            return b.spilling

    def state(self, backend: str) -> LatencyState:
        with self._lock:
            b = self._get(backend)
            ttft = self._percentile(b)
            self._update(b, ttft)
            held = None if b.since is None else self._clock() - b.since
            return LatencyState(backend, b.spilling, b.reason, ttft, len(b.ttfts), b.queue,
                                held)  # fmt: skip

    def backends(self) -> list[str]:
        with self._lock:
            return sorted(self._backends)

    def _get(self, backend: str) -> _Backend:
        found = self._backends.get(backend)
        if found is None:
            found = self._backends[backend] = _Backend()
        return found

    def _percentile(self, b: _Backend) -> float | None:
        """The configured percentile of the TTFTs inside the window (nearest rank)."""
        horizon = self._clock() - self.config.window_s
        while b.ttfts and b.ttfts[0][0] < horizon:
            b.ttfts.popleft()
            b.changes += 1
        if b.sorted_at != b.changes:  # a new session decides here: sort only what changed
            b.sorted_at, b.percentile = b.changes, self._sorted_percentile(b)
        return b.percentile

    def _sorted_percentile(self, b: _Backend) -> float | None:
        if len(b.ttfts) < MIN_SAMPLES:
            return None
        ordered = sorted(ms for _, ms in b.ttfts)
        rank = math.ceil(self.config.ttft_percentile / 100 * len(ordered))
        return ordered[max(rank, 1) - 1]

    def _update(self, b: _Backend, ttft: float | None) -> None:
        if b.depth is not None:
            b.queue = b.depth()
        now = self._clock()
        if not b.spilling:
            reason = self._over(b, ttft, ratio=1.0)
            if reason is not None:
                b.spilling, b.reason, b.since = True, reason, now
            return
        held = b.since is None or now - b.since >= self.config.min_hold_s
        if held and self._over(b, ttft, ratio=self.config.recover_ratio) is None:
            b.spilling, b.reason, b.since = False, None, now

    def _over(self, b: _Backend, ttft: float | None, *, ratio: float) -> str | None:
        """Which measure is at or past ``ratio`` × its limit (strictly past when ratio is 1)."""
        c = self.config
        if c.ttft_ms_max is not None and ttft is not None:
            limit = c.ttft_ms_max * ratio
            if ttft > limit or (ratio < 1.0 and ttft >= limit):
                return "ttft"
        if c.queue_max is not None:
            limit = c.queue_max * ratio
            if b.queue > limit or (ratio < 1.0 and b.queue >= limit):
                return "queue"
        return None
