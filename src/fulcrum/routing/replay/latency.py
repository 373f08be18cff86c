"""The latency guard's state, rebuilt from the ledger's recent local calls.

A gateway's latency guard lives in its process: ``route explain`` cannot ask it. The ledger
holds what it saw, though: every local call's time to first token (``ttft_ms``: a stream's,
and a whole answer's from the generation time its server reports) at its time (``ts``).
:func:`guard_from_ledger` feeds those of the last ``window_s + min_hold_s`` seconds to a
fresh :class:`~fulcrum.routing.slo.LatencyGuard` on a clock that follows the rows, asking it
after each one whether the backend spills (so the hysteresis develops as it did), then sets
the clock to ``now``. Queue depths are not recorded: a queue limit sees an empty queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fulcrum.ledger import LedgerRow
from fulcrum.ledger.store import LedgerStore
from fulcrum.routing.slo import LatencyConfig, LatencyGuard


class SteppedClock:
    """A clock a caller moves: epoch seconds, set by hand."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True, slots=True)
class RebuiltGuard:
    guard: LatencyGuard
    samples: int  # the ledger rows fed to it
    since: datetime  # the oldest time read


def lookback(config: LatencyConfig) -> timedelta:
    """How far back the ledger is read: the window, plus the hold of a spill in force."""
    return timedelta(seconds=config.window_s + config.min_hold_s)


def guard_from_rows(
    config: LatencyConfig, rows: Iterable[LedgerRow], now: datetime
) -> tuple[LatencyGuard, int]:
    """A guard fed the successful local TTFTs of ``rows`` (oldest first), its clock at ``now``."""
    clock = SteppedClock()
    guard = LatencyGuard(config, clock=clock)
    fed = 0
    for row in rows:
        if row.backend_kind != "local" or row.ttft_ms is None or row.status >= 400:
            continue
        clock.now = row.ts.timestamp()
        guard.observe_ttft(row.backend, row.ttft_ms)
        guard.spilling(row.backend)  # the gateway asks at each new decision
        fed += 1
    clock.now = now.timestamp()
    return guard, fed


def guard_from_ledger(
    config: LatencyConfig, store: LedgerStore, now: datetime | None = None
) -> RebuiltGuard:
    """The guard as the ledger's recent local calls leave it (see the module docstring)."""
    at = now or datetime.now(UTC)
    since = at - lookback(config)
    rows = [r for r in store.rows(since, at) if r.source == "gateway"]
    guard, fed = guard_from_rows(config, rows, at)
    return RebuiltGuard(guard, fed, since)
