"""The memory of a :class:`~fulcrum.routing.budget.lease.LeasedBudgetBook`: its leases and
the calls paid from them, how big the next lease is, the windows of each scope cached until
the next local midnight, and the process-local correction of a window's status."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from fulcrum.routing.budget.config import BudgetConfig
from fulcrum.routing.budget.windows import Reservation, Window, WindowStatus, windows_for

ZERO = Decimal(0)
Scope = str | None  # a configured key, or None: the global windows alone


@dataclass(slots=True, eq=False)
class Lease:
    """A slice of every window of one scope, held in the database as one reservation."""

    scope: Scope  # the key whose windows it holds, as the database book knows it
    windows: tuple[Window, ...]
    held: Reservation  # the database book's reservation of ``amount``
    taken_at: float
    used_at: float
    spent: Decimal = ZERO  # the real cost of the calls settled against it
    pending: Decimal = ZERO  # the estimates of its calls in flight
    calls: int = 0  # in flight
    low: Decimal = ZERO  # the largest estimate charged to it: below that left, it is used up
    retired: bool = False  # no new calls; closed once ``calls`` is 0 (or its hold expired)

    @property
    def amount(self) -> Decimal:
        return self.held.estimate

    @property
    def left(self) -> Decimal:
        """Negative after calls dearer than their estimates."""
        return self.held.estimate - self.spent - self.pending

    def covers(self, name: str, period: str) -> bool:
        return (name, period) in self.held.windows


class LeaseTable:
    """Every lease of a book not yet settled into the database, and the calls paid from them.
    Not thread-safe: its book holds a lock around every use."""

    def __init__(self, max_age_s: float) -> None:
        self.max_age_s = max_age_s
        self.active: dict[Scope, Lease] = {}  # by scope: the lease new calls pay from
        self.spare: dict[Scope, Lease] = {}  # by scope: the next one, taken ahead
        self.live: set[Lease] = set()  # all of them, retired ones included
        self.calls: dict[str, Lease] = {}  # reservation id -> the lease it was paid from

    def charge(
        self, scope: Scope, windows: tuple[Window, ...], estimate: Decimal, now: float
    ) -> Lease | None:
        """Pay ``estimate`` from the scope's lease (or its spare, which then takes over)."""
        lease = self.active.get(scope)
        if not self._pays(lease, windows, estimate, now):
            spare = self.spare.get(scope)
            if not self._pays(spare, windows, estimate, now):
                return None
            if lease is not None:
                self.retire(lease)
            lease = self.active[scope] = self.spare.pop(scope)
        assert lease is not None
        lease.pending += estimate
        lease.calls += 1
        lease.used_at = now
        lease.low = max(lease.low, estimate)
        return lease

    def settled(self, lease: Lease, estimate: Decimal, actual: Decimal) -> bool:
        """A call paid from ``lease`` cost ``actual``: can the lease be settled now?"""
        lease.pending -= estimate
        lease.calls -= 1
        lease.spent += actual
        if lease.left < lease.low:
            self.retire(lease)
        return lease.retired and not lease.calls

    def short(self, scope: Scope) -> bool:
        """Take the scope's next lease now? No spare, and the active one would not pay for
        one more call by this caller and by each one in flight."""
        if scope in self.spare:
            return False
        lease = self.active.get(scope)
        return lease is None or lease.left < lease.low * (lease.calls + 2)

    def install(self, lease: Lease) -> None:
        """The scope's active lease, or its spare when it has one (a spare displaced is
        retired: the reaper settles it)."""
        self.live.add(lease)
        if lease.scope not in self.active:
            self.active[lease.scope] = lease
            return
        if (displaced := self.spare.get(lease.scope)) is not None:
            self.retire(displaced)
        self.spare[lease.scope] = lease

    def retire(self, lease: Lease) -> None:
        lease.retired = True
        for found in (self.active, self.spare):
            if found.get(lease.scope) is lease:
                del found[lease.scope]

    def retire_scope(self, scope: Scope) -> None:
        for found in (self.active, self.spare):
            if (lease := found.get(scope)) is not None:
                self.retire(lease)

    def idle_on(self, name: str, period: str) -> list[Lease]:
        """Take out the leases on a window with no call in flight (to settle them)."""
        idle = [x for x in self.live if x.calls == 0 and x.covers(name, period)]
        for lease in idle:
            self.retire(lease)
            self.live.discard(lease)
        return idle

    def due(
        self, now: float, idle_s: float, windows: Callable[[Scope], tuple[Window, ...]]
    ) -> list[Lease]:
        """Retire idle, old and past leases; take out the retired ones to settle: no call in
        flight, or their hold expired (their calls are forgotten: each will be charged to
        the database when it settles)."""
        for lease in [*self.active.values(), *self.spare.values()]:
            idle = lease.calls == 0 and now - lease.used_at >= idle_s
            old = now - lease.taken_at >= self.max_age_s
            if idle or old or lease.windows != windows(lease.scope):
                self.retire(lease)
        due = [x for x in self.live if x.retired and (not x.calls or x.held.expires_at <= now)]
        for lease in due:
            self.live.discard(lease)
            if lease.calls:
                for rid in [rid for rid, x in self.calls.items() if x is lease]:
                    del self.calls[rid]
        return due

    def drain(self) -> list[Lease]:
        leases = list(self.live)
        for found in (self.live, self.active, self.spare, self.calls):
            found.clear()
        return leases

    def _pays(
        self, lease: Lease | None, windows: tuple[Window, ...], estimate: Decimal, now: float
    ) -> bool:
        return (
            lease is not None
            and lease.left >= estimate
            and lease.windows == windows
            and now - lease.taken_at < self.max_age_s
        )


def lease_size(
    statuses: Iterable[WindowStatus], estimate: Decimal, *, cap: Decimal, share: int
) -> Decimal:
    """``1/share`` of what is left in the tightest window, at most ``cap`` of its smallest
    limit, and never less than ``estimate``."""
    found = list(statuses)
    left = min(s.left for s in found)
    most = cap * min(s.limit for s in found)
    return max(estimate, min(left / share, most))


def local_view(status: WindowStatus, leases: Iterable[Lease], now: float) -> WindowStatus:
    """The database's ``status`` as this process sees it: what its leases spent counts as
    spent, and of a lease's hold only its calls in flight stay reserved."""
    spent, reserved = status.spent, status.reserved
    for lease in leases:
        if lease.covers(status.name, status.period) and lease.held.expires_at > now:
            spent += lease.spent
            reserved += lease.pending - lease.amount
    return WindowStatus(status.name, status.period, status.limit, spent, max(ZERO, reserved))


class Periods:
    """``windows_for`` per scope, computed once until the next midnight in the budget's zone
    (when both the day and the month may change)."""

    def __init__(self, config: BudgetConfig) -> None:
        self.config = config
        # (since, until, windows by scope), replaced whole: threads read it without a lock
        self._day: tuple[float, float, dict[Scope, tuple[Window, ...]]] = (0.0, 0.0, {})

    def scope(self, key: str | None) -> Scope:
        """The key whose windows apply (an unconfigured key has the global windows only)."""
        return key if key in self.config.keys else None

    def windows(self, scope: Scope, now: float) -> tuple[Window, ...]:
        since, until, cache = self._day
        if not since <= now < until:
            since, until = _day_bounds(self.config, now)
            cache = {}
            self._day = (since, until, cache)
        found = cache.get(scope)
        if found is None:
            found = cache[scope] = windows_for(self.config, scope, now)
        return found


def _day_bounds(config: BudgetConfig, now: float) -> tuple[float, float]:
    """The epoch seconds of the local day around ``now``: [midnight, next midnight)."""
    zone = config.zone
    day = datetime.fromtimestamp(now, zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return min(start.timestamp(), now), max(end.timestamp(), now + 1.0)
