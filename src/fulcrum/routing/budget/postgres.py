"""The budget book in the PostgreSQL ledger: gateway processes on one database share it.

A reserve is one transaction sent as one pipeline (one network round trip):

1. upsert the call's window rows, in (name, period) order — this locks them, so reserves
   and settles touching a window take turns, and two processes never deadlock;
2. drop the expired holds of those windows (a crashed process's reservations);
3. insert the holds only if, in every window, ``spent + live holds + estimate <= limit``
   (under READ COMMITTED this statement's snapshot is taken after the locks were granted,
   so it sees every reserve and settle that went before);
4. read the windows back (the refusal, or the status after the hold).

A settle adds the real cost to the windows (same lock order) and deletes the holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget.book import DatabaseBook
from fulcrum.routing.budget.windows import (
    Refusal,
    Reservation,
    Window,
    WindowStatus,
    first_short,
    unchecked,
    windows_for,
)

_WINDOWS = "unnest(%(names)s::text[], %(periods)s::text[]) AS u(name, period)"
_LIVE = (
    "COALESCE((SELECT SUM(h.amount) FROM budget_holds h WHERE h.name = v.name "
    "AND h.period = v.period AND h.expires_at > %(now)s), 0)"
)
_LIMITS = "unnest(%(names)s::text[], %(periods)s::text[], %(limits)s::numeric[])"
LOCK = (
    f"INSERT INTO budget_windows (name, period, spent) SELECT u.name, u.period, %(add)s "
    f"FROM {_WINDOWS} ON CONFLICT (name, period) "
    "DO UPDATE SET spent = budget_windows.spent + excluded.spent"
)
EXPIRE = (
    f"DELETE FROM budget_holds h USING {_WINDOWS} "
    "WHERE h.name = u.name AND h.period = u.period AND h.expires_at <= %(now)s"
)
HOLD = (
    "INSERT INTO budget_holds (reservation, name, period, amount, expires_at) "
    f"SELECT %(id)s, u.name, u.period, %(estimate)s, %(expires)s FROM {_WINDOWS} "
    f"WHERE NOT EXISTS (SELECT 1 FROM {_LIMITS} AS v(name, period, lim) "
    "JOIN budget_windows w ON w.name = v.name AND w.period = v.period "
    f"WHERE w.spent + {_LIVE} + %(estimate)s > v.lim)"
)
STATUS = (
    f"SELECT v.name, v.period, v.lim, COALESCE(w.spent, 0), {_LIVE} "
    f"FROM {_LIMITS} WITH ORDINALITY AS v(name, period, lim, n) "
    "LEFT JOIN budget_windows w ON w.name = v.name AND w.period = v.period ORDER BY v.n"
)
RELEASE = "DELETE FROM budget_holds WHERE reservation = %(id)s"


def _params(windows: tuple[Window, ...], now: float, **extra: Any) -> dict[str, Any]:
    return {
        "names": [w.name for w in windows],
        "periods": [w.period for w in windows],
        "limits": [w.limit for w in windows],
        "now": now,
        **extra,
    }


def _status(rows: list[tuple[Any, ...]]) -> list[WindowStatus]:
    return [WindowStatus(n, p, Decimal(lim), Decimal(s), Decimal(r)) for n, p, lim, s, r in rows]


class PostgresBudgetBook(DatabaseBook):
    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        now, windows, held = self._hold(key, estimate)
        if not windows:
            return held
        params = _params(windows, now, add=0, id=held.id, estimate=estimate,
                         expires=held.expires_at)  # fmt: skip

        def work(conn: Any) -> tuple[bool, list[tuple[Any, ...]]]:
            with conn.pipeline():  # one implicit transaction, up to its one Sync
                conn.execute(LOCK, params)
                conn.execute(EXPIRE, params)
                hold = conn.execute(HOLD, params)
                status = conn.execute(STATUS, params)
            return hold.rowcount > 0, status.fetchall()

        try:
            granted, rows = self.db.run(work)
        except LedgerUnavailable:  # unchecked, a frontier call is never granted
            return unchecked(key, estimate, windows)
        if granted:
            return held
        short = first_short(_status(rows), estimate)
        assert short is not None  # nothing held: some window was short
        return Refusal(key, estimate, short)

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        if not reservation.windows:
            return
        names, periods = zip(*reservation.windows, strict=True)
        params = {"names": list(names), "periods": list(periods), "add": actual,
                  "id": reservation.id}  # fmt: skip

        def work(conn: Any) -> None:
            with conn.pipeline():  # one implicit transaction, up to its one Sync
                conn.execute(LOCK, params)
                conn.execute(RELEASE, params)

        self.db.run(work)

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        now = self._clock()
        windows = windows_for(self.config, key, now)
        if not windows:
            return {}
        params = _params(windows, now)
        rows = self.db.run(lambda conn: conn.execute(STATUS, params).fetchall())
        return {s.name: s for s in _status(rows)}

    def close(self) -> None:
        self.db.close()
