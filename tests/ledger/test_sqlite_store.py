from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.ledger import LedgerRow, LedgerUnavailable, open_store
from fulcrum.ledger.migrations import MIGRATIONS, Migration
from fulcrum.ledger.sqlite_store import SQLiteStore

RowFactory = Callable[..., LedgerRow]
DAY = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_default_store_lives_in_the_data_dir_in_wal_mode(_isolated_data_dir: Path) -> None:
    store = open_store(None)
    try:
        path = _isolated_data_dir / "ledger.sqlite3"
        assert path.exists()
        assert store.description == f"sqlite:///{path}"
        assert store.schema_version() == len(MIGRATIONS)
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_insert_and_read_back_exact_money(tmp_path: Path, make_row: RowFactory) -> None:
    store = open_store(str(tmp_path / "l.db"))
    rows = [
        make_row(ts=DAY, cost_usd=Decimal("0.1"), session="a"),
        make_row(ts=DAY + timedelta(seconds=1), cost_usd=Decimal("0.2"), session="b"),
        make_row(ts=DAY + timedelta(seconds=2), cost_usd=None),
    ]
    assert store.insert_many(rows) == 3
    assert store.insert_many(rows[:1]) == 0  # same id: skipped, so a retried batch is harmless
    assert store.count() == 3
    assert store.rows() == rows
    (agg,) = store.aggregate(None, None, None)
    assert agg.cost_usd == Decimal("0.3")  # exact: 0.1 + 0.2 is not 0.30000000000000004
    assert agg.cost_unknown == 1
    store.close()


def test_aggregate_by_group_and_range(tmp_path: Path, make_row: RowFactory) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    store.insert_many(
        [
            make_row(ts=DAY, model="m1", cost_usd=Decimal(1), input_tokens=10, output_tokens=1),
            make_row(ts=DAY, model="m2", cost_usd=Decimal(2)),
            make_row(ts=DAY + timedelta(days=1), model="m1", cost_usd=Decimal(4)),
        ]
    )
    by_model = store.aggregate(None, None, "model")
    assert [(a.day.isoformat(), a.group, a.cost_usd) for a in by_model] == [
        ("2026-05-04", "m1", Decimal(1)),
        ("2026-05-04", "m2", Decimal(2)),
        ("2026-05-05", "m1", Decimal(4)),
    ]
    assert by_model[0].tokens == 11
    later = store.aggregate(DAY + timedelta(hours=1), None, None)
    assert [a.cost_usd for a in later] == [Decimal(4)]
    earlier = store.aggregate(None, DAY + timedelta(hours=1), None)
    assert [a.cost_usd for a in earlier] == [Decimal(3)]
    assert len(store.rows(DAY + timedelta(hours=1))) == 1
    with pytest.raises(ConfigError, match="--by"):
        store.aggregate(None, None, "api_key")
    store.close()


def test_migrations_are_applied_once_and_new_ones_later(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    first = SQLiteStore.open(path)
    assert first.migrate() == []  # already applied on open
    extra = Migration(
        version=len(MIGRATIONS) + 1,
        name="add a note column",
        sqlite=("ALTER TABLE ledger_calls ADD COLUMN note TEXT",),
        postgres=("ALTER TABLE ledger_calls ADD COLUMN note TEXT",),
    )
    assert first.migrate((*MIGRATIONS, extra)) == [extra.version]
    assert first.migrate((*MIGRATIONS, extra)) == []
    assert first.schema_version() == extra.version
    first.close()
    with sqlite3.connect(path) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM ledger_migrations")]
    assert versions == list(range(1, extra.version + 1))


def test_migration_numbering_is_checked(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "l.db")
    gap = Migration(version=5, name="gap", sqlite=(), postgres=())
    with pytest.raises(ValueError, match="numbered"):
        store.migrate((*MIGRATIONS, gap))
    store.close()


def test_several_processes_opening_one_file_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    code = "import sys; from fulcrum.ledger import open_store; open_store(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)]) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ledger_migrations").fetchone()[0] == len(
            MIGRATIONS
        )


def test_reports_refuse_to_create_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(LedgerUnavailable, match="no ledger at"):
        open_store(str(missing), create=False)
    assert not missing.exists()
    assert LedgerUnavailable.exit_code == 2


def test_unsupported_url_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"ledger\.url.*postgresql://"):
        open_store("mysql://localhost/db")
