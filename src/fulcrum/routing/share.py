"""The share controller: holds the local share of traffic at a target as the mix drifts.

A learned scorer gives each new session's first main-loop request a score ``p = P(frontier
needed)``; the session goes to the frontier when ``p >= threshold``. The threshold is set so
that the *achieved* local share, counted in requests, stays at ``target``:

* **Quantile (feed-forward).** Free choices should go local with fraction ``q``; the threshold
  is the ``q``-quantile of the last ``window`` scores, recomputed every ``recalibrate_every``
  scores (a sort of the window then, never per call). Sessions forced by a policy rule are not
  free choices but count in the share, so ``q = (target·R − forced_local) / free`` over the
  recent requests ``R``: if rules already send much traffic local, free choices send less.
* **Feedback (request debt).** Sessions differ in length (one long local session moves the
  share by itself) and the window lags a drift in the score distribution, so ``q`` is corrected
  by ``gain × debt / mean session length``, where ``debt = Σ (target − local)`` over the
  requests served, exponentially decayed over ``horizon`` requests: a surplus of local requests
  sends the next sessions to the frontier until it is repaid (``gain = 0.3``: over about three
  sessions), and a drift that makes the quantile wrong is corrected within a few sessions.
  The threshold is looked up in the sorted window at every ``choose`` (O(1)).

``count`` is called for every request served (local or not, forced or not); ``choose`` once per
free decision. Both share counters (requests and tokens) are reported by :meth:`state`; only
the request share is controlled. Each gateway process runs its own controller and holds its
own traffic at the target. Thread-safe; ``choose`` and ``count`` are O(1) amortized.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_TARGET = 0.65
ALL_LOCAL = math.nextafter(1.0, 2.0)  # the threshold no score in [0, 1] reaches


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class ShareState:
    """A snapshot for ``/metrics``, the dashboard and ``route explain``.

    ``achieved_*`` are local shares over the recent (decayed) horizon; ``None`` before the
    first counted request. ``free_local`` is the fraction of free choices now sent local.
    """

    target: float
    threshold: float
    achieved_requests: float | None
    achieved_tokens: float | None
    samples: int
    free_local: float
    requests: int
    local_requests: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quantile(ordered: list[float], q: float) -> float:
    """The ``q``-quantile of sorted scores (linear interpolation); ``q`` in [0, 1]."""
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class _Decayed:
    """An exponentially decayed count: each add first scales the past by ``keep``."""

    __slots__ = ("keep", "value")

    def __init__(self, keep: float) -> None:
        self.keep = keep
        self.value = 0.0

    def add(self, amount: float) -> None:
        self.value = self.value * self.keep + amount


class ShareController:
    """Chooses local or frontier for new sessions so the local request share meets ``target``."""

    def __init__(
        self,
        target: float = DEFAULT_TARGET,
        window: int = 500,
        *,
        recalibrate_every: int = 20,
        horizon: int = 2000,
        gain: float = 0.3,
        min_samples: int = 20,
        initial_threshold: float = 0.5,
    ) -> None:
        if not 0.0 <= target <= 1.0:
            raise ValueError("target must be in [0, 1]")
        if window < 2 or recalibrate_every < 1 or horizon < 1 or min_samples < 1:
            raise ValueError("window >= 2, recalibrate_every, horizon and min_samples >= 1")
        self.target = target
        self._scores: deque[float] = deque(maxlen=window)
        self._every = recalibrate_every
        self._gain = gain
        self._min = min_samples
        self._threshold = initial_threshold
        self._since = 0
        self._sorted: list[float] = []
        self._free_local = target
        self._lock = threading.Lock()
        keep = 1.0 - 1.0 / horizon
        self._req = {k: _Decayed(keep) for k in ("all", "local", "forced_local", "forced")}
        self._tok = {k: _Decayed(keep) for k in ("all", "local")}
        self._debt = _Decayed(keep)
        self._requests = 0
        self._local_requests = 0
        self._free_requests = 0
        self._choices = 0

    def threshold(self) -> float:
        """Scores at or above this go to the frontier."""
        with self._lock:
            return self._threshold

    def choose(self, score: float) -> bool:
        """Record a free decision's score; True sends the session to the frontier."""
        with self._lock:
            self._scores.append(score)
            self._choices += 1
            self._since += 1
            if self._since >= self._every and len(self._scores) >= self._min:
                self._since = 0
                self._sorted = sorted(self._scores)
            if self._sorted:
                self._set_threshold()
            return score >= self._threshold

    def count(self, local: bool, tokens: int, forced: bool = False) -> None:
        """Count one request served: on a local backend or not, forced by a rule or not."""
        with self._lock:
            self._requests += 1
            self._local_requests += local
            self._free_requests += not forced
            req = self._req
            req["all"].add(1.0)
            req["local"].add(float(local))
            req["forced"].add(float(forced))
            req["forced_local"].add(float(forced and local))
            self._debt.add(self.target - float(local))
            self._tok["all"].add(float(tokens))
            self._tok["local"].add(float(tokens) if local else 0.0)

    def state(self) -> ShareState:
        with self._lock:
            return ShareState(
                target=self.target,
                threshold=self._threshold,
                achieved_requests=_ratio(self._req["local"], self._req["all"]),
                achieved_tokens=_ratio(self._tok["local"], self._tok["all"]),
                samples=len(self._scores),
                free_local=self._free_local,
                requests=self._requests,
                local_requests=self._local_requests,
            )

    def _set_threshold(self) -> None:
        """Feed-forward share plus the request debt, looked up in the sorted window."""
        correction = self._gain * self._debt.value / self._mean_length()
        self._free_local = _clamp(self._feed_forward() + correction)
        if self._free_local >= 1.0:
            self._threshold = ALL_LOCAL
        elif self._free_local <= 0.0:
            self._threshold = 0.0
        else:
            self._threshold = _quantile(self._sorted, self._free_local)

    def _mean_length(self) -> float:
        """Requests per free session so far (at least 1): scales the debt to sessions."""
        return max(1.0, self._free_requests / max(1, self._choices))

    def _feed_forward(self) -> float:
        """The free-choice local fraction that meets the target given the forced traffic."""
        total, forced = self._req["all"].value, self._req["forced"].value
        free = total - forced
        if total <= 0.0 or free <= 0.0:
            return self.target
        return (self.target * total - self._req["forced_local"].value) / free


def _ratio(part: _Decayed, whole: _Decayed) -> float | None:
    return part.value / whole.value if whole.value > 0.0 else None


def _clamp(q: float) -> float:
    return max(0.0, min(1.0, q))
