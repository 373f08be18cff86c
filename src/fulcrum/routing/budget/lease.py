"""A budget book that serves reserves and settles in memory from leases on a database book.

Each process leases a slice of every window that applies to a scope (the global windows, and
a configured key's own) from the database book with one ``reserve``, then pays each call's
estimate from that lease under a lock: no database on the request path. A lease is

* sized at ``1/share`` of what is left in the tightest window, at most ``cap`` of its
  smallest limit, never less than the estimate asking for it: processes share the tail of a
  budget fairly, and a nearly spent budget leases in small pieces;
* retired when what is left of it is below the largest estimate charged to it (used up, or
  overdrawn by a call dearer than its estimate), when a window's period changes (a lease of
  one day never pays for the next day's calls), when it is ``hold_s / 2`` old, or unused for
  ``idle_s``; retired, it is settled into the database (its real spent) once its last call in
  flight is settled;
* renewed ahead: ``settle`` (which the gateway calls off the request path) takes the scope's
  next lease, the spare, when what is left of the current one would not pay for one more
  call by each caller in flight, so the next call switches leases in memory;
* given back when a lease request is refused and this process holds idle leases on the short
  window, before the refusal stands: a :class:`Refusal` means the database cannot hold the
  estimate, and it names the window as the database book would.

Guarantees, as the database book's: with upper-bound estimates the spend recorded in the
database never passes a limit (a lease is a reservation there, and calls spend at most their
estimate of it); a call dearer than its estimate overdraws its lease by at most its excess,
recorded when the lease is settled, so a limit is passed by at most one call's excess per
call in flight. A lease whose hold expired (a call in flight for ``hold_s / 2`` past its
retirement) is settled with what it spent; its late calls are then charged to the database one
by one. ``close()`` settles every lease, calls in flight at their estimate (what the database
refuses is kept on disk, :mod:`~fulcrum.routing.budget.owed`); a process that dies without it
leaves its leases to expire after ``hold_s``, what they spent not recorded (per scope, about
one lease, ``cap`` of the tightest limit at most, and any retired lease still waiting on its
calls): the price of no database on the request path.

``status`` is the database's (other processes' leases count in full as reserved) corrected by
this process's leases: what they spent counts as spent, and only their calls in flight stay
reserved — so within one process it reads as the database book would.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

from fulcrum.ledger.pgconn import OutageLog
from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget import owed
from fulcrum.routing.budget.book import BudgetBook, Clock
from fulcrum.routing.budget.lease_bank import LeaseBank
from fulcrum.routing.budget.lease_state import Lease, LeaseTable, Periods, Scope, local_view
from fulcrum.routing.budget.windows import Refusal, Reservation, Window, WindowStatus, unchecked

log = logging.getLogger(__name__)
outage = OutageLog(log)

CAP = Decimal("0.05")  # a lease is at most this fraction of the tightest window's limit
SHARE = 8  # ... and at most 1/SHARE of what is left in it
IDLE_S = 30.0  # a lease no call used for this long goes back to the database
DOWN_S = 2.0  # after the database failed a lease, frontier calls are refused this long unasked
REAP_S = 5.0  # how often the reaper thread looks for idle, old and past leases


class LeasedBudgetBook:
    """A :class:`BudgetBook` that reserves from leases on ``inner``, a database book."""

    def __init__(
        self,
        inner: BudgetBook,
        *,
        clock: Clock = time.time,
        cap: Decimal = CAP,
        share: int = SHARE,
        idle_s: float = IDLE_S,
        reap_s: float | None = REAP_S,
        spill: Path | None = None,
    ) -> None:
        self.inner, self._spill = inner, spill  # spill: settles still owed at close go there
        self.config = inner.config
        self.idle_s = idle_s
        self._clock = clock
        self._periods = Periods(self.config)
        self._bank = LeaseBank(inner, cap=cap, share=share)
        self._bank.owed.extend(owed.take(spill) if spill is not None else [])
        self._leases = LeaseTable(max_age_s=self.config.hold_s / 2)
        self._lock = threading.Lock()  # self._leases: held for microseconds
        self._db = threading.RLock()  # this book's database work, one at a time
        self._ids, self._prefix = itertools.count(), uuid.uuid4().hex[:16]
        self._closed = False
        self._down_until = 0.0  # until then, reserve refuses without asking the database
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        if reap_s is not None:
            self._reaper = threading.Thread(
                target=self._reap_every, args=(reap_s,), name="fulcrum-budget", daemon=True
            )
            self._reaper.start()

    @property
    def shared(self) -> bool:
        return self.inner.shared

    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        now = self._clock()
        scope = self._periods.scope(key)
        windows = self._periods.windows(scope, now)
        if not windows:
            return Reservation(self._id(), key, estimate, (), now + self.config.hold_s)
        with self._lock:
            held = self._charge(scope, windows, key, estimate, now)
        if held is not None:
            return held
        if now < self._down_until:  # the database failed a moment ago: do not wait on it again
            return unchecked(key, estimate, windows)
        try:
            return self._refill(scope, windows, key, estimate, now)
        except LedgerUnavailable as exc:  # unchecked, a frontier call is never granted
            self._down_until = self._clock() + DOWN_S
            outage.warn("budget: cannot lease from the database, frontier calls refused", exc)
            return unchecked(key, estimate, windows)

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        if not reservation.windows:
            return
        with self._lock:
            lease = self._leases.calls.pop(reservation.id, None)
            if lease is not None:
                done = self._leases.settled(lease, reservation.estimate, actual)
                ahead = not self._closed and self._leases.short(lease.scope)
        if lease is None:  # its lease's hold expired and was settled: charge it directly
            with self._db:  # (owed while the database is down); after close, nothing more
                if not self._closed:
                    self._bank.pay(reservation, actual)
        elif done or ahead:
            self._renew(lease, done)

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        now = self._clock()
        scope = self._periods.scope(key)
        with self._db:
            self._reap(now)
            found = self.inner.status(scope)
            with self._lock:
                live = self._leases.live
                return {name: local_view(s, live, now) for name, s in found.items()}

    def reap(self) -> None:
        """Retire idle, old and past leases; settle the retired ones with no call in flight
        (or whose hold expired); retry settles the database refused."""
        with self._db:
            if not self._closed:
                self._reap(self._clock())

    def close(self) -> None:
        """Settle every lease (calls in flight at their estimate) and close ``inner``."""
        self._stop.set()
        if self._reaper is not None:
            self._reaper.join()
        with self._db:
            with self._lock:
                self._closed = True
                leases = self._leases.drain()
            for lease in leases:
                self._bank.pay(lease.held, lease.spent + lease.pending)
            owed.finish(self._bank, self._spill)
            self.inner.close()

    def _charge(
        self, scope: Scope, windows: tuple[Window, ...], key: str | None,
        estimate: Decimal, now: float,
    ) -> Reservation | None:  # fmt: skip
        """Under self._lock: a reservation paid from the scope's lease, if it can pay."""
        lease = self._leases.charge(scope, windows, estimate, now)
        if lease is None:
            return None
        held = Reservation(self._id(), key, estimate, lease.held.windows, lease.held.expires_at)
        self._leases.calls[held.id] = lease
        return held

    def _id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    # -- the database, under self._db

    def _refill(
        self, scope: Scope, windows: tuple[Window, ...], key: str | None,
        estimate: Decimal, now: float,
    ) -> Reservation | Refusal:  # fmt: skip
        with self._db:
            with self._lock:
                held = self._charge(scope, windows, key, estimate, now)  # another thread's?
                if held is not None:
                    return held
                self._leases.retire_scope(scope)
            if self._clock() < self._down_until:  # it failed while this call waited
                return unchecked(key, estimate, windows)
            self._reap(now)
            got = self._bank.take(scope, windows, estimate, now)
            if isinstance(got, Refusal) and self._give_back(got.window):
                got = self._bank.take(scope, windows, estimate, now)
            if got is None:
                return self.reserve(key, estimate)  # a new period began meanwhile
            with self._lock:
                if isinstance(got, Refusal):
                    window = local_view(got.window, self._leases.live, now)
                    return Refusal(key, estimate, window)
                self._leases.install(got)
                held = self._charge(scope, windows, key, estimate, now)
        assert held is not None  # a fresh lease of the estimate at least
        return held

    def _give_back(self, short: WindowStatus) -> bool:
        """Settle this process's idle leases on the short window: is there more left now?"""
        with self._lock:
            idle = self._leases.idle_on(short.name, short.period)
        for lease in idle:
            self._bank.pay(lease.held, lease.spent)
        return bool(idle)

    def _renew(self, lease: Lease, done: bool) -> None:
        """Off the request path: settle a retired lease whose calls are all settled, and take
        the scope's next lease when it runs short."""
        now = self._clock()
        with self._db:
            with self._lock:
                closing = done and lease in self._leases.live  # or a reap settled it
                if closing:
                    self._leases.live.discard(lease)
            if closing:
                self._bank.pay(lease.held, lease.spent)
            windows = self._periods.windows(lease.scope, now)
            with self._lock:
                if self._closed or not windows or not self._leases.short(lease.scope):
                    return
            try:
                got = self._bank.take(lease.scope, windows, lease.low, now)
            except LedgerUnavailable:  # the next reserve tries again
                return
            if isinstance(got, Lease):
                with self._lock:
                    self._leases.install(got)

    def _reap(self, now: float) -> None:
        with self._lock:
            due = self._leases.due(now, self.idle_s, lambda s: self._periods.windows(s, now))
        for lease in due:
            self._bank.pay(lease.held, lease.spent)
        self._bank.retry()

    def _reap_every(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.reap()
            except LedgerUnavailable as exc:  # the database is down: the next round tries again
                outage.warn("budget: returning leases failed", exc)
            except Exception:
                log.exception("budget: returning leases failed")
