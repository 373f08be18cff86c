"""The PostgreSQL ledger, on a throwaway cluster started by the session fixture."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from fulcrum.ledger import LedgerRow, LedgerUnavailable, open_store
from fulcrum.ledger.migrations import MIGRATIONS, Migration
from fulcrum.ledger.postgres_store import PostgresStore
from fulcrum.testing.postgres import PostgresCluster

from .conftest import FAILOVER_ATTEMPTS

pytestmark = pytest.mark.postgres

RowFactory = Callable[..., LedgerRow]
DAY = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)

WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from fulcrum.ledger import LedgerRow, LedgerWriter, Pricer, open_store

    class NoPrices:
        def price(self, model, provider=None, *, at=None):
            return None

    url, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    writer = LedgerWriter(open_store(url), Pricer(NoPrices()), max_delay_s=0.01)
    for i in range(count):
        writer.submit(LedgerRow(id=f"{tag}-{i}", backend="b", model="m", endpoint="/e",
                                session=tag, input_tokens=i))
    writer.close()
    print(writer.written)
    """
)


# A routed call's decision (migration 4): the JSON reads back as the same text.
DECIDED = {
    "rule": "secrets-stay-home",
    "frontier_score": 0.25,
    "threshold": 0.61,
    "decision": '{"share":{"target":0.65},"budget":"ok"}',
}


def test_round_trip_and_exact_sums(
    pg_url: str, make_row: RowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGTZ", "Pacific/Auckland")  # the session zone must not move UTC days
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    rows = [
        make_row(
            ts=DAY, cost_usd=Decimal("0.1"), model="a", stream=True, attempts=FAILOVER_ATTEMPTS
        ),
        make_row(ts=DAY + timedelta(hours=1), cost_usd=Decimal("0.2"), model="a"),
        make_row(ts=DAY, cost_usd=None, model="b", request_body='{"x": 1}'),
    ]
    assert store.insert_many(rows) == 3
    assert store.insert_many(rows) == 0
    assert sorted(store.rows(), key=lambda r: r.id) == sorted(rows, key=lambda r: r.id)
    aggs = store.aggregate(None, None, "model")
    # 23:30 and 00:30 UTC fall on two UTC days (both on 2026-05-05 in Auckland).
    assert [(a.day.isoformat(), a.group, a.cost_usd, a.cost_unknown) for a in aggs] == [
        ("2026-05-04", "a", Decimal("0.1"), 0),
        ("2026-05-04", "b", None, 1),
        ("2026-05-05", "a", Decimal("0.2"), 0),
    ]
    assert [a.calls for a in store.aggregate(DAY + timedelta(minutes=1), None, None)] == [1]
    store.close()


def test_migrations_once_even_when_processes_start_together(pg_url: str) -> None:
    code = "import sys; from fulcrum.ledger import open_store; open_store(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url]) for _ in range(6)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    with psycopg.connect(pg_url) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM ledger_migrations")]
    assert versions == [m.version for m in MIGRATIONS]
    extra = Migration(
        version=len(MIGRATIONS) + 1,
        name="note column",
        sqlite=(),
        postgres=("ALTER TABLE ledger_calls ADD COLUMN note TEXT",),
    )
    store = PostgresStore.open(pg_url)
    assert store.migrate((*MIGRATIONS, extra)) == [extra.version]
    assert store.migrate((*MIGRATIONS, extra)) == []
    assert store.schema_version() == extra.version
    store.close()


def test_two_writer_processes_share_one_ledger(pg_url: str) -> None:
    open_store(pg_url).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT, pg_url, tag, "1500"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag in ("p1", "p2")
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert [o.strip() for o in outputs] == ["1500", "1500"]
    store = open_store(pg_url)
    ids = {r.id for r in store.rows()}
    store.close()
    assert ids == {f"{tag}-{i}" for tag in ("p1", "p2") for i in range(1500)}


def test_a_version_2_ledger_gains_the_attempts_column(pg_url: str, make_row: RowFactory) -> None:
    old = PostgresStore.open(pg_url, migrations=MIGRATIONS[:2])  # as an older gateway left it
    assert old.schema_version() == 2
    old.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO ledger_calls (id, ts, backend, backend_kind, model, endpoint, stream, "
            "status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
            "tool_repairs, tool_retries, source) VALUES ('old', %s, 'b', 'api', 'm', "
            "'/v1/messages', false, 200, 1, 2, 0, 0, 0, 0, 'gateway')",
            (DAY,),
        )
    store = open_store(pg_url)
    assert store.schema_version() == len(MIGRATIONS)
    new = make_row(ts=DAY + timedelta(minutes=1), attempts=FAILOVER_ATTEMPTS, **DECIDED)
    store.insert_many([new])
    first, second = store.rows()
    store.close()
    assert (first.id, first.attempts) == ("old", ())
    assert second == new
    with psycopg.connect(pg_url) as conn:  # jsonb: the attempts can be queried in SQL
        (failed,) = conn.execute(
            "SELECT count(*) FROM ledger_calls, jsonb_array_elements(attempts) a "
            "WHERE a->>'reason' IS NOT NULL"
        ).fetchone()
    assert failed == 2


def test_reconnects_after_the_connection_drops(pg_url: str, make_row: RowFactory) -> None:
    store = open_store(pg_url)
    store.insert_many([make_row()])
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert store.insert_many([make_row()]) == 1
    assert store.count() == 2
    store.close()


def test_unreachable_database_is_one_clear_error(pg_cluster: PostgresCluster) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{pg_cluster.port}/no_such_db"
    with pytest.raises(LedgerUnavailable) as info:
        open_store(url)
    message = info.value.message
    assert "no_such_db" in message
    assert "hunter2" not in message
    assert ":***@" in message
    assert "\n" not in message


@pytest.mark.postgres
def test_a_reader_only_checks_the_schema_version(pg_cluster: PostgresCluster) -> None:
    url = pg_cluster.create_database()
    empty = pg_cluster.create_database()
    open_store(url).close()  # migrated by a writer
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE ROLE reader_ro LOGIN")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader_ro")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    reader = f"postgresql://reader_ro@{pg_cluster.host}:{pg_cluster.port}/{name}"
    store = open_store(reader, create=False)  # a read-only role reads an up-to-date ledger
    assert store.count() == 0
    store.close()
    with pytest.raises(LedgerUnavailable, match=r"has no fulcrum schema.*fulcrum serve"):
        open_store(empty, create=False)
    with psycopg.connect(empty) as conn:  # and the reader created nothing there
        assert conn.execute("SELECT to_regclass('ledger_migrations')").fetchone() == (None,)


@pytest.mark.postgres
def test_a_database_migrated_by_a_newer_fulcrum_is_refused(pg_cluster: PostgresCluster) -> None:
    url = pg_cluster.create_database()
    open_store(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO ledger_migrations (version, name) VALUES (%s, 'newer')",
                     (len(MIGRATIONS) + 1,))  # fmt: skip
    for create in (True, False):  # serve, and a report
        with pytest.raises(LedgerUnavailable, match="newer than this fulcrum knows"):
            open_store(url, create=create)
