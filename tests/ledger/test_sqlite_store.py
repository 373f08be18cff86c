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
from fulcrum.ledger.report import build_report
from fulcrum.ledger.row import COLUMNS
from fulcrum.ledger.sqlite_store import SQLiteStore, _use_wal

from .conftest import FAILOVER_ATTEMPTS

RowFactory = Callable[..., LedgerRow]
DAY = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


# A routed call's decision (migration 4): the JSON reads back as the same text.
DECIDED = {
    "rule": "secrets-stay-home",
    "frontier_score": 0.25,
    "threshold": 0.61,
    "decision": '{"share":{"target":0.65},"budget":"ok"}',
}


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
        make_row(ts=DAY, cost_usd=Decimal("0.1"), session="a", attempts=FAILOVER_ATTEMPTS),
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


def test_a_batch_wider_than_one_statement_is_inserted_whole(
    tmp_path: Path, make_row: RowFactory
) -> None:
    """Rows go in as multi-row INSERTs cut to SQLite's bound-parameter limit, one
    transaction; an id already stored is skipped, not an error."""
    store = SQLiteStore.open(tmp_path / "l.db")
    store._conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, len(COLUMNS) * 3)  # 3 a statement
    rows = [make_row(session=f"s{n}", input_tokens=n) for n in range(8)]
    assert store.insert_encoded([store.encode(r) for r in rows]) == 8
    assert store.insert_many([rows[0], make_row(session="new")]) == 1
    assert sorted(r.input_tokens for r in store.rows() if r.session != "new") == list(range(8))
    assert store.count() == 9


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


def test_a_version_2_ledger_gains_the_attempts_column(tmp_path: Path, make_row: RowFactory) -> None:
    """A ledger written before migration 3 opens, migrates, keeps its rows (no attempts
    recorded for them) and stores attempts from then on."""
    path = tmp_path / "l.db"
    with sqlite3.connect(path) as conn:  # a version-2 ledger, as an older gateway left it
        conn.execute("CREATE TABLE ledger_migrations (version INTEGER PRIMARY KEY, "
                     "name TEXT NOT NULL, applied_at TEXT NOT NULL)")  # fmt: skip
        for migration in MIGRATIONS[:2]:
            for statement in migration.sqlite:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO ledger_migrations VALUES (?, ?, 'then')",
                (migration.version, migration.name),
            )
        conn.execute(
            "INSERT INTO ledger_calls (id, ts, backend, backend_kind, model, endpoint, stream, "
            "status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
            "tool_repairs, tool_retries, source) VALUES ('old', '2026-05-04T00:00:00.000000Z', "
            "'b', 'api', 'm', '/v1/messages', 0, 200, 1, 2, 0, 0, 0, 0, 'gateway')"
        )
    store = SQLiteStore.open(path)
    assert store.schema_version() == len(MIGRATIONS)
    new = make_row(ts=DAY, attempts=FAILOVER_ATTEMPTS, **DECIDED)
    store.insert_many([new])
    old, again = store.rows()
    assert (old.id, old.attempts) == ("old", ())
    assert again == new and again.attempts[1].status is None
    store.close()


def test_migration_numbering_is_checked(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "l.db")
    gap = Migration(version=len(MIGRATIONS) + 2, name="gap", sqlite=(), postgres=())
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


class _BusyAtFirst:
    """A connection whose first ``busy`` journal-mode switches find the lock taken."""

    def __init__(self, busy: int, code: int = sqlite3.SQLITE_BUSY) -> None:
        self.busy, self.code, self.calls = busy, code, 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= self.busy:
            err = sqlite3.OperationalError("database is locked")
            err.sqlite_errorcode = self.code  # type: ignore[attr-defined]
            raise err


def test_switching_to_wal_waits_out_another_process_creating_the_ledger() -> None:
    conn = _BusyAtFirst(busy=3)
    _use_wal(conn)  # type: ignore[arg-type]
    assert conn.calls == 4


def test_other_sqlite_errors_are_not_retried() -> None:
    conn = _BusyAtFirst(busy=5, code=sqlite3.SQLITE_IOERR)
    with pytest.raises(sqlite3.OperationalError):
        _use_wal(conn)  # type: ignore[arg-type]
    assert conn.calls == 1


def test_requests_no_backend_answered_are_left_out_of_the_local_share(
    tmp_path: Path, make_row: RowFactory
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    local = {"backend": "llama", "backend_kind": "local"}
    store.insert_many(
        [
            make_row(ts=DAY, **local),
            make_row(ts=DAY, backend="anthropic", backend_kind="api"),
            *(make_row(ts=DAY, backend="", backend_kind="api", status=503) for _ in range(3)),
        ]
    )
    report = build_report(store.aggregate(None, None, None))
    store.close()
    assert report.total.calls == 5 and report.total.unserved_calls == 3
    assert report.total.local_share_calls == 0.5  # 1 of the 2 answered
