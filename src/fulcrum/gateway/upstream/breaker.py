"""Per-backend circuit breaker and the retry back-off rule.

The breaker opens after ``failures`` consecutive failures; while open, requests skip the
backend; after ``reset_s`` one request is let through as a half-open probe: its success
closes the breaker, its failure opens it again for another ``reset_s``.
"""

from __future__ import annotations

import random
import time
from enum import Enum

from fulcrum.gateway.config import BreakerPolicy, RetryPolicy


class State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    __slots__ = ("_failures", "_opened_at", "_probing", "policy")
    # ``_probing`` holds the time the half-open probe was let through (None: no probe out).
    # A probe that never reports (its client went away, a 429) is replaced after reset_s.

    def __init__(self, policy: BreakerPolicy) -> None:
        self.policy = policy
        self._failures = 0
        self._opened_at: float | None = None
        self._probing: float | None = None

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return State.CLOSED
        if time.monotonic() - self._opened_at >= self.policy.reset_s:
            return State.HALF_OPEN
        return State.OPEN

    @property
    def is_open(self) -> bool:
        """Open or half-open: no retries on this backend."""
        return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a request may go to this backend now (claims the probe when half-open)."""
        if self._opened_at is None:
            return True
        if self.state is not State.HALF_OPEN:
            return False
        now = time.monotonic()
        if self._probing is None or now - self._probing >= self.policy.reset_s:
            self._probing = now
            return True
        return False

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = None

    def failure(self) -> None:
        self._failures += 1
        if self._probing is not None or self._failures >= self.policy.failures:
            self._opened_at = time.monotonic()
        self._probing = None


def backoff_delay(policy: RetryPolicy, attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait before retry number ``attempt`` (1-based), or None to move on.

    A ``retry-after`` above the cap means this backend will not recover soon: move on to
    the next backend rather than hold the client.
    """
    if retry_after is not None:
        return float(retry_after) if retry_after <= policy.retry_after_cap_s else None
    base = min(policy.backoff_max_s, policy.backoff_s * 2.0 ** (attempt - 1))
    return base * (0.5 + random.random() / 2)


def parse_retry_after(value: str | None) -> float | None:
    """``retry-after`` in seconds (numeric form only; HTTP dates are treated as absent)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)
