"""The dashboard's ledger numbers: both readers agree, and they match the ledger's own report."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.ledger.factory import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.report.ledgerview import Reading, SQLiteView, StoreView, open_view
from fulcrum.report.live import LedgerNumbers
from fulcrum.settings import Paths


def test_numbers_from_the_ledger(ledger_rows: list[LedgerRow]) -> None:
    now = datetime.now(UTC).replace(hour=13)
    numbers = LedgerNumbers(None).read(now)["ledger"]
    assert numbers["calls"] == 9
    assert numbers["today_usd"] == "2.0200"  # 1.50 + 0.50 + 0.02
    assert numbers["today_calls"] == 3
    assert numbers["local_share_today"] == pytest.approx(1 / 3)
    assert numbers["mean_daily_usd"] == "4.0400"  # (2.02 + 4.04 + 6.06) / 3
    assert numbers["p95_daily_usd"] == "6.0600"
    assert len(numbers["recent"]) == 9
    assert numbers["recent"][0]["route"] in {"claude/m", "llamacpp/m"}


def both_readers(since: datetime, recent: int) -> tuple[Reading, Reading]:
    """What the SQL reader and the store reader read of the data dir's ledger."""
    path = Paths.build().ledger_sqlite
    sql, store = SQLiteView(path), StoreView(f"sqlite:///{path}")
    try:
        return sql.read(since, recent), store.read(since, recent)
    finally:
        sql.close()
        store.close()


def test_sql_and_store_readers_agree(ledger_rows: list[LedgerRow]) -> None:
    a, b = both_readers(datetime(2000, 1, 1, tzinfo=UTC), 5)
    assert a.calls == b.calls == 9
    assert [(d.day, d.calls, d.local_calls) for d in a.days] == [
        (d.day, d.calls, d.local_calls) for d in b.days
    ]
    for x, y in zip(a.days, b.days, strict=True):
        assert x.cost == pytest.approx(y.cost)
        assert x.saving == pytest.approx(y.saving)


def test_both_readers_show_the_latest_calls_of_the_window_only(
    ledger_rows: list[LedgerRow],
) -> None:
    since = max(r.ts for r in ledger_rows) - timedelta(hours=36)  # today's and yesterday's
    a, b = both_readers(since, 10)

    def calls(reading: Reading) -> list[tuple[str, ...]]:  # calls of one second come in any order
        return sorted((r["ts"], r["route"], r["cost_usd"]) for r in reading.recent)

    assert calls(a) == calls(b) and len(a.recent) == 6
    assert min(r["ts"] for r in a.recent) >= since.strftime("%Y-%m-%d %H:%M:%S")


def test_no_ledger_yet_says_so() -> None:
    assert open_view(None) is None
    assert LedgerNumbers(None).read()["ledger"] is None


def test_a_ledger_it_cannot_read_is_a_note_until_it_can(tmp_path: Path) -> None:
    path = Paths.build().ledger_sqlite
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(path).close()  # the file exists, its table not yet
    numbers = LedgerNumbers(None)
    first = numbers.read()
    assert first["ledger"] is None
    assert first["ledger_note"].startswith("cannot read the ledger: ")
    open_store(None).close()  # the gateway creates the table
    assert numbers.read()["ledger"]["calls"] == 0


def test_a_cost_not_known_is_counted_not_added_as_zero() -> None:
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    rows = [
        LedgerRow(ts=noon, backend="b", model="m", cost_usd=Decimal("1.00")),
        LedgerRow(ts=noon, backend="b", model="m", cost_usd=None),
    ]
    store = open_store(None)
    try:
        store.insert_many(rows)
    finally:
        store.close()
    path = Paths.build().ledger_sqlite
    for url in (None, f"sqlite:///{path}"):  # the SQL reader and the store's
        view = StoreView(url) if url else SQLiteView(path)
        numbers = LedgerNumbers(url, view).read(noon)["ledger"]
        assert numbers["today_usd"] == numbers["month_usd"] == "1.0000"
        assert numbers["today_cost_unknown_calls"] == numbers["month_cost_unknown_calls"] == 1


def test_the_store_reader_does_not_load_the_month_for_twelve_rows() -> None:
    now = datetime.now(UTC)
    rows = [LedgerRow(ts=now - timedelta(minutes=10 * i), backend="b", model=f"m{i}")
            for i in range(3000)]  # fmt: skip
    store = open_store(None)
    try:
        store.insert_many(rows)
    finally:
        store.close()
    view = StoreView(f"sqlite:///{Paths.build().ledger_sqlite}")
    loaded: list[int] = []
    real = view._store.rows

    def counted(since: datetime | None, until: datetime | None = None) -> list[LedgerRow]:
        out = real(since, until)
        loaded.append(len(out))
        return out

    view._store.rows = counted  # type: ignore[method-assign]
    try:
        reading = view.read(now - timedelta(days=30), 12)
    finally:
        view.close()
    assert [r["route"] for r in reading.recent] == [f"b/m{i}" for i in range(12)]
    assert sum(loaded) < len(rows) // 10, loaded  # not the 3,000 rows of the window
