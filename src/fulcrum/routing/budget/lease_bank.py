"""The database side of a :class:`~fulcrum.routing.budget.lease.LeasedBudgetBook`: take a
lease (one status read, one reserve) and settle it, retrying settles the database refused.

Near exhaustion a lease is the estimate alone; while what was left a moment ago (``HINT_S``)
says so, the status read is skipped: a lease then costs what a call costs the database book.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from fulcrum.ledger.pgconn import OutageLog
from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget.book import BudgetBook
from fulcrum.routing.budget.lease_state import ZERO, Lease, Scope, lease_size
from fulcrum.routing.budget.windows import Refusal, Reservation, Window

log = logging.getLogger(__name__)
outage = OutageLog(log)

TRIES = 3  # lease requests per take: the last one asks for the estimate alone
HINT_S = 1.0  # what was left in a scope's tightest window is worth knowing this long


class LeaseBank:
    """Not thread-safe: its book calls it under the book's database lock."""

    def __init__(self, inner: BudgetBook, *, cap: Decimal, share: int) -> None:
        self.inner = inner
        self.cap, self.share = cap, share
        self.owed: list[tuple[Reservation, Decimal]] = []  # settles the database refused
        self._left: dict[Scope, tuple[Decimal, float]] = {}  # scope -> (left, when), lately

    def take(
        self, scope: str | None, windows: tuple[Window, ...], estimate: Decimal, now: float
    ) -> Lease | Refusal | None:
        """Lease a slice of ``windows``, ``estimate`` at least: a :class:`Refusal` when the
        database cannot hold ``estimate``; None when its clock is in the next period already."""
        size = estimate if self._tail(scope, estimate, now) else self._size(scope, estimate, now)
        for attempt in range(1, TRIES + 1):
            got = self.inner.reserve(scope, size)
            if isinstance(got, Reservation):
                if got.windows != tuple((w.name, w.period) for w in windows):
                    self.pay(got, ZERO)
                    return None
                if scope in self._left:
                    self._left[scope] = (self._left[scope][0] - size, self._left[scope][1])
                return Lease(scope, windows, got, taken_at=now, used_at=now)
            self._left[scope] = (got.window.left, now)
            if size <= estimate:
                return got
            if attempt == TRIES - 1:
                size = estimate
            else:  # others leased meanwhile: size again from what the refusal says is left
                size = lease_size([got.window], estimate, cap=self.cap, share=self.share)
        raise AssertionError("unreachable: the last request asks for the estimate alone")

    def _size(self, scope: Scope, estimate: Decimal, now: float) -> Decimal:
        statuses = list(self.inner.status(scope).values())
        self._left[scope] = (min(s.left for s in statuses), now)
        return lease_size(statuses, estimate, cap=self.cap, share=self.share)

    def _tail(self, scope: Scope, estimate: Decimal, now: float) -> bool:
        """Was so little left a moment ago that the lease would be the estimate alone?"""
        left, when = self._left.get(scope, (None, 0.0))
        return left is not None and now - when < HINT_S and left / self.share <= estimate

    def pay(self, held: Reservation, amount: Decimal) -> None:
        """Settle a lease into the database; if that fails, again on the next ``retry``."""
        try:
            self.inner.settle(held, amount)
        except LedgerUnavailable as exc:
            outage.warn(f"budget: settling a lease of ${held.estimate} failed; will retry", exc)
            self.owed.append((held, amount))
        except Exception:
            log.exception("budget: settling a lease of $%s failed; will retry", held.estimate)
            self.owed.append((held, amount))

    def retry(self) -> None:
        owed, self.owed = self.owed, []
        for held, amount in owed:
            self.pay(held, amount)
