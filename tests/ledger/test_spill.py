from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest

from fulcrum.errors import InputError
from fulcrum.ledger import (
    LedgerRow,
    LedgerStore,
    LedgerWriter,
    Pricer,
    open_store,
    spill,
    sqlite_store,
)

from .conftest import FAILOVER_ATTEMPTS, DatedPrices, FakePrices
from .test_writer import MemoryStore

RowFactory = Callable[..., LedgerRow]


def test_rows_survive_the_json_round_trip(tmp_path: Path, make_row: RowFactory) -> None:
    rows = [
        make_row(
            cost_usd=Decimal("0.000000123"),
            stream=True,
            request_body='{"a": 1}',
            attempts=FAILOVER_ATTEMPTS,
        ),
        make_row(backend_kind="local", cost_usd=None, ttft_ms=None),
    ]
    path = tmp_path / "s.jsonl"
    spill.append_rows(path, rows[:1])
    spill.append_rows(path, rows[1:])
    assert spill.read_rows(path) == rows


def test_a_corrupt_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "x"}\n')
    with pytest.raises(InputError, match=r"s\.jsonl:1: not a ledger row"):
        spill.read_rows(path)


def test_an_outage_then_replay_loses_nothing(
    _isolated_data_dir: Path,
    ledger_cli: Callable[[list[str]], tuple[int, str, str]],
    fake_prices: FakePrices,
    make_row: RowFactory,
) -> None:
    down = MemoryStore(failures=10**6)
    writer = LedgerWriter(cast(LedgerStore, down), Pricer(fake_prices), retry_s=(0.001,))
    rows = [make_row(session="outage") for _ in range(25)]
    for row in rows:
        writer.submit(row)
    writer.close()
    spilled = _isolated_data_dir / spill.DEFAULT_NAME
    assert writer.spilled == 25
    assert spilled.exists()

    code, out, err = ledger_cli(["ledger", "--replay-spill", "--json"])
    assert code == 0
    assert "replayed 25 rows" in err
    assert json.loads(out)["total"]["calls"] == 25
    assert not spilled.exists()
    assert (_isolated_data_dir / (spill.DEFAULT_NAME + ".replayed")).exists()

    store = open_store(None)
    assert {r.id for r in store.rows()} == {r.id for r in rows}
    assert spill.replay(store, _isolated_data_dir / (spill.DEFAULT_NAME + ".replayed")) == 0
    store.close()


def _locked(path: Path) -> sqlite3.Connection:
    """Another connection holding SQLite's write lock: the ledger's inserts fail (busy)."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_spilled_and_replayed_rows_carry_the_price_of_their_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_row: RowFactory
) -> None:
    """The price changed between the calls and the replay: each row keeps its day's price,
    whether priced when spilled (the writer) or only on replay (an unpriced spilled row)."""
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.05)
    db = tmp_path / "ledger.sqlite"
    store = open_store(str(db))
    holder = _locked(db)
    spilled = tmp_path / "spill.jsonl"
    writer = LedgerWriter(store, Pricer(DatedPrices()), retry_s=(0.01,), spill_file=spilled)
    march = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for day in range(3):
        writer.submit(make_row(model="cheap-model", provider="acme", ts=march + timedelta(day)))
    writer.close()
    assert writer.spilled == 3
    unpriced = make_row(model="cheap-model", provider="acme", ts=march, id="priced-on-replay")
    spill.append_rows(spilled, [unpriced])
    holder.rollback()
    holder.close()

    again = open_store(str(db))
    assert spill.replay(again, spilled, pricer=Pricer(DatedPrices())) == 4
    rows = again.rows()
    again.close()
    march_price = Decimal("0.0012")  # 1,000 in × $1/M + 100 out × $2/M, the price in March
    assert [r.cost_usd for r in rows] == [march_price] * 4
    assert {r.id for r in rows} >= {"priced-on-replay"}
