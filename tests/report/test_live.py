"""The dashboard's ledger numbers: both readers agree, and they match the ledger's own report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fulcrum.ledger.row import LedgerRow
from fulcrum.report.ledgerview import SQLiteView, StoreView, open_view
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


def test_sql_and_store_readers_agree(ledger_rows: list[LedgerRow]) -> None:
    path = Paths.build().ledger_sqlite
    since = datetime(2000, 1, 1, tzinfo=UTC)
    sql, store = SQLiteView(path), StoreView(f"sqlite:///{path}")
    try:
        a, b = sql.read(since, 5), store.read(since, 5)
    finally:
        sql.close()
        store.close()
    assert a.calls == b.calls == 9
    assert [(d.day, d.calls, d.local_calls) for d in a.days] == [
        (d.day, d.calls, d.local_calls) for d in b.days
    ]
    for x, y in zip(a.days, b.days, strict=True):
        assert x.cost == pytest.approx(y.cost)
        assert x.saving == pytest.approx(y.saving)


def test_no_ledger_yet_says_so() -> None:
    assert open_view(None) is None
    assert LedgerNumbers(None).read()["ledger"] is None
