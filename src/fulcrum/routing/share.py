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

Until ``min_samples`` scores have come (after every start, in every process) the threshold
is :func:`start_threshold`: the target itself, so a target of 1 keeps every session local
and 0 sends every one to the frontier from the first request.

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
        initial_threshold: float | None = None,
    ) -> None:
        """``initial_threshold``, the threshold until ``min_samples`` scores have come: by
        default the one ``target`` implies before any score is known, :func:`start_threshold`."""
        if not 0.0 <= target <= 1.0:
            raise ValueError("target must be in [0, 1]")
        if window < 2 or recalibrate_every < 1 or horizon < 1 or min_samples < 1:
            raise ValueError("window >= 2, recalibrate_every, horizon and min_samples >= 1")
        self.target = target
        self._scores: deque[float] = deque(maxlen=window)
        self._every = recalibrate_every
        self._gain = gain
        self._min = min_samples
        self._threshold = (
            start_threshold(target) if initial_threshold is None else initial_threshold
        )
        self._since = 0
        self._sorted: list[float] = []
        self._free_local = target
        self._lock = threading.Lock()
        # exponentially decayed sums over the horizon: each count first scales them by _keep
        self._keep = 1.0 - 1.0 / horizon
        self._all = self._local = self._forced = self._forced_local = 0.0  # requests
        self._debt = 0.0  # Σ (target − local) over the requests
        self._tokens = self._local_tokens = 0.0
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
        return self.decide(score)[0]

    def decide(self, score: float) -> tuple[bool, float]:
        """:meth:`choose`, and the threshold the score was held against (recalibrated
        first when this score completes a round)."""
        with self._lock:
            self._scores.append(score)
            self._choices += 1
            self._since += 1
            if self._since >= self._every and len(self._scores) >= self._min:
                self._since = 0
                self._sorted = sorted(self._scores)
            if self._sorted:
                self._set_threshold()
            return score >= self._threshold, self._threshold

    def count(self, local: bool, tokens: int, forced: bool = False) -> None:
        """Count one request served: on a local backend or not, forced by a rule or not."""
        with self._lock:
            self._requests += 1
            self._local_requests += local
            self._free_requests += not forced
            keep, was_local, was_forced = self._keep, float(local), float(forced)
            self._all = self._all * keep + 1.0
            self._local = self._local * keep + was_local
            self._forced = self._forced * keep + was_forced
            self._forced_local = self._forced_local * keep + was_forced * was_local
            self._debt = self._debt * keep + (self.target - was_local)
            self._tokens = self._tokens * keep + tokens
            self._local_tokens = self._local_tokens * keep + tokens * was_local

    def state(self) -> ShareState:
        with self._lock:
            return ShareState(
                target=self.target,
                threshold=self._threshold,
                achieved_requests=_ratio(self._local, self._all),
                achieved_tokens=_ratio(self._local_tokens, self._tokens),
                samples=len(self._scores),
                free_local=self._free_local,
                requests=self._requests,
                local_requests=self._local_requests,
            )

    def _set_threshold(self) -> None:
        """Feed-forward share plus the request debt, looked up in the sorted window. The
        feed-forward share is the free choices' local fraction that meets the target given
        the forced traffic; the debt is scaled to sessions by the requests per free session
        so far (at least 1)."""
        total, forced = self._all, self._forced
        free = total - forced
        forward = (
            (self.target * total - self._forced_local) / free
            if total > 0.0 and free > 0.0
            else self.target
        )
        per_session = max(1.0, self._free_requests / max(1, self._choices))
        free_local = forward + self._gain * self._debt / per_session
        self._free_local = free_local = max(0.0, min(1.0, free_local))
        if free_local >= 1.0:
            self._threshold = ALL_LOCAL
        elif free_local <= 0.0:
            self._threshold = 0.0
        else:
            self._threshold = _quantile(self._sorted, free_local)


def start_threshold(target: float) -> float:
    """The threshold before any score is known: the ``target``-quantile of scores spread evenly
    over [0, 1], the target itself; exactly every session local at 1 (:data:`ALL_LOCAL`)."""
    return ALL_LOCAL if target >= 1.0 else target


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0.0 else None
