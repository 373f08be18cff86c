"""What the dashboard reads from the ledger: per-day sums, the latest calls, the call count.

Two readers behind one method, :meth:`LedgerView.read`:

- SQLite (the default ledger): a read-only connection of its own running plain SQL (``COUNT``,
  ``SUM``, ``LIMIT``), so the work is done inside SQLite with Python's lock released; it never
  takes the gateway writer's lock and a poll costs the request path nothing measurable
  (``bench/dashboard_overhead.py``). Money sums here are floats: the dashboard shows them
  rounded to cents, the ledger's own reports keep ``Decimal``.
- any other store (PostgreSQL): the store's own ``aggregate`` and ``rows`` queries.

Either way a day's sum is ``None`` when no call of that day had a known amount.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fulcrum.errors import FulcrumError
from fulcrum.ledger.factory import DATABASE_ERRORS, open_store, sqlite_path_from_url
from fulcrum.ledger.row import format_ts
from fulcrum.settings import Paths

# what a read of a ledger that exists may raise: no table yet, locked, connection lost
READ_ERRORS: tuple[type[Exception], ...] = (*DATABASE_ERRORS, FulcrumError)

DAYS_SQL = (
    "SELECT substr(ts, 1, 10), COUNT(*), SUM(backend_kind = 'local'), "
    "SUM(CAST(cost_usd AS REAL)), SUM(CAST(counterfactual_usd AS REAL)), "
    "SUM(CAST(saving_usd AS REAL)), SUM(cost_usd IS NULL) "
    "FROM ledger_calls WHERE ts >= ? GROUP BY 1 ORDER BY 1"
)
RECENT_SQL = (
    "SELECT ts, session, backend, model, backend_kind, route_reason, status, cost_usd "
    "FROM ledger_calls WHERE ts >= ? ORDER BY ts DESC LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class Day:
    day: str
    calls: int
    local_calls: int
    cost: float | None
    counterfactual: float | None
    saving: float | None
    cost_unknown: int = 0  # calls whose cost is not known: in ``calls``, not in ``cost``


@dataclass(frozen=True, slots=True)
class Reading:
    days: list[Day]
    recent: list[dict[str, Any]]
    calls: int


def _recent(row: Sequence[Any]) -> dict[str, Any]:
    """One call: (ts, session, backend, model, kind, rule, status, cost)."""
    ts, session, backend, model, kind, reason, status, cost = row
    return {
        "ts": str(ts)[:19].replace("T", " "),
        "session": session,
        "route": f"{backend}/{model}" if backend else model,
        "kind": kind,
        "reason": reason,
        "status": status,
        "cost_usd": None if cost is None else str(cost),
    }


class SQLiteView:
    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(path)
        self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                     timeout=1.0, check_same_thread=False)  # fmt: skip

    def read(self, since: datetime, recent: int) -> Reading:
        days = [Day(*row) for row in self._conn.execute(DAYS_SQL, (format_ts(since),))]
        rows = self._conn.execute(RECENT_SQL, (format_ts(since), recent)).fetchall()
        (calls,) = self._conn.execute("SELECT COUNT(*) FROM ledger_calls").fetchone()
        return Reading(days, [_recent(r) for r in rows], int(calls))

    def close(self) -> None:
        self._conn.close()


# the spans the store reader asks for the latest calls, narrowest first: a busy ledger has
# them within minutes, so a poll never loads a month of rows to show twelve
TAIL_SPANS = (timedelta(minutes=5), timedelta(hours=1), timedelta(days=1))


def _store_days(aggregates: list[Any]) -> list[Day]:
    by_day: dict[str, list[Any]] = {}
    for a in aggregates:
        d = by_day.setdefault(a.day.isoformat(), [0, 0, None, None, None, 0])
        d[0] += a.calls
        d[1] += a.calls if a.backend_kind == "local" else 0
        d[5] += a.cost_unknown
        for i, v in enumerate((a.cost_usd, a.counterfactual_usd, a.saving_usd), 2):
            if v is not None:
                d[i] = float(v) + (d[i] or 0.0)
    return [Day(k, *v) for k, v in sorted(by_day.items())]


def _row_values(r: Any) -> tuple[Any, ...]:
    return (r.ts.isoformat(), r.session, r.backend, r.model, r.backend_kind, r.route_reason,
            r.status, r.cost_usd)  # fmt: skip


class StoreView:
    def __init__(self, url: str) -> None:
        self._store = open_store(url, create=False)

    def _tail(self, since: datetime, recent: int) -> list[Any]:
        """The latest ``recent`` calls since ``since``, read over the narrowest span holding
        them (:data:`TAIL_SPANS`), the whole window last."""
        now = datetime.now(UTC)
        for span in TAIL_SPANS:
            if now - span > since:
                rows = self._store.rows(now - span, None)
                if len(rows) >= recent:
                    return rows[-recent:]
        return self._store.rows(since, None)[-recent:]

    def read(self, since: datetime, recent: int) -> Reading:
        days = _store_days(self._store.aggregate(since, None, None))
        rows = [_recent(_row_values(r)) for r in reversed(self._tail(since, recent))]
        return Reading(days, rows, self._store.count())

    def close(self) -> None:
        self._store.close()


LedgerView = SQLiteView | StoreView


def open_view(url: str | None) -> LedgerView | None:
    """The reader for the gateway's ledger; None while it does not exist yet."""
    scheme = url.split(":", 1)[0].lower() if url and "://" in url else ""
    try:
        if not url:
            return SQLiteView(Paths.build().ledger_sqlite)
        if scheme in ("sqlite", ""):
            return SQLiteView(sqlite_path_from_url(url))
        return StoreView(url)
    except (FileNotFoundError, sqlite3.Error, FulcrumError):
        return None
