from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest

from fulcrum.errors import InputError
from fulcrum.ledger import LedgerRow, LedgerStore, LedgerWriter, Pricer, open_store, spill

from .conftest import FakePrices
from .test_writer import MemoryStore

RowFactory = Callable[..., LedgerRow]


def test_rows_survive_the_json_round_trip(tmp_path: Path, make_row: RowFactory) -> None:
    rows = [
        make_row(cost_usd=Decimal("0.000000123"), stream=True, request_body='{"a": 1}'),
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
