"""The budget book in the SQLite ledger: every gateway process on one file shares it.

A reserve runs under the file's write lock (``BEGIN IMMEDIATE``), so the check of every
window and the holds it writes are one atomic step across threads and processes. Money is
exact decimal text, summed with ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fulcrum.routing.budget.book import DatabaseBook
from fulcrum.routing.budget.windows import (
    Refusal,
    Reservation,
    Window,
    WindowStatus,
    first_short,
    windows_for,
)


class SQLiteBudgetBook(DatabaseBook):
    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        now, windows, held = self._hold(key, estimate)
        if not windows:
            return held

        def work(conn: Any) -> Reservation | Refusal:
            conn.executemany(
                "DELETE FROM budget_holds WHERE name = ? AND period = ? AND expires_at <= ?",
                [(w.name, w.period, now) for w in windows],
            )
            short = first_short(_statuses(conn, windows, now), estimate)
            if short is not None:
                return Refusal(key, estimate, short)
            conn.executemany(
                "INSERT INTO budget_holds (reservation, name, period, amount, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(held.id, w.name, w.period, str(estimate), held.expires_at) for w in windows],
            )
            return held

        return self.db.run(work, write=True)

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        if not reservation.windows:
            return

        def work(conn: Any) -> None:
            conn.execute("DELETE FROM budget_holds WHERE reservation = ?", (reservation.id,))
            for name, period in reservation.windows:
                row = conn.execute(
                    "SELECT spent FROM budget_windows WHERE name = ? AND period = ?",
                    (name, period),
                ).fetchone()
                spent = (Decimal(str(row[0])) if row else Decimal(0)) + actual
                conn.execute(
                    "INSERT INTO budget_windows (name, period, spent) VALUES (?, ?, ?) "
                    "ON CONFLICT (name, period) DO UPDATE SET spent = excluded.spent",
                    (name, period, str(spent)),
                )

        self.db.run(work, write=True)

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        now = self._clock()
        windows = windows_for(self.config, key, now)
        found = self.db.run(lambda conn: _statuses(conn, windows, now))
        return {s.name: s for s in found}

    def close(self) -> None:
        self.db.close()


def _statuses(conn: Any, windows: tuple[Window, ...], now: float) -> list[WindowStatus]:
    out = []
    for w in windows:
        row = conn.execute(
            "SELECT spent FROM budget_windows WHERE name = ? AND period = ?", (w.name, w.period)
        ).fetchone()
        amounts = conn.execute(
            "SELECT amount FROM budget_holds WHERE name = ? AND period = ? AND expires_at > ?",
            (w.name, w.period, now),
        ).fetchall()
        spent = Decimal(str(row[0])) if row else Decimal(0)
        reserved = sum((Decimal(str(a)) for (a,) in amounts), Decimal(0))
        out.append(WindowStatus(w.name, w.period, w.limit, spent, reserved))
    return out
