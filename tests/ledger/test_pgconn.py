"""Bounded waits on the PostgreSQL ledger: a hung server is an outage, not a hang."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest

from fulcrum.errors import Unavailable
from fulcrum.ledger.pgconn import OutageLog
from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget import database
from fulcrum.routing.budget.database import PostgresDatabase
from fulcrum.testing.postgres import PostgresCluster


@pytest.mark.postgres
def test_a_frozen_backend_fails_the_operation_within_its_timeout(
    pg_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "DOWN_S", 0.5)
    url = pg_cluster.create_database()
    db = PostgresDatabase(url, "test", pool_size=1, timeout_s=0.5)
    pid = db.run(lambda c: c.execute("SELECT pg_backend_pid()").fetchone()[0])
    os.kill(pid, signal.SIGSTOP)  # the pooled connection's server stops answering (no reset)
    try:
        start = time.monotonic()
        with pytest.raises(LedgerUnavailable, match="timed out"):
            db.run(lambda c: c.execute("SELECT 1").fetchone())
        waited = time.monotonic() - start
        start = time.monotonic()
        with pytest.raises(LedgerUnavailable, match="not tried again"):
            db.run(lambda c: c.execute("SELECT 1").fetchone())
        again = time.monotonic() - start
    finally:
        os.kill(pid, signal.SIGCONT)
    assert waited < 3.0 and again < 0.1  # one timeout, then at once while it is down
    time.sleep(0.5)
    assert db.run(lambda c: c.execute("SELECT 2").fetchone()[0]) == 2  # a fresh connection
    db.close()


def test_a_client_is_never_told_where_the_database_is() -> None:
    exc = LedgerUnavailable(
        "cannot connect to the ledger database postgresql://u@db.internal:5432/x"
    )
    assert isinstance(exc, Unavailable) and exc.status == 503
    for body in (exc.anthropic_body(), exc.openai_body()):
        text = str(body)
        assert "db.internal" not in text and "5432" not in text
        assert "routing state is unavailable" in text


def test_an_outage_is_one_warning_line_per_period(caplog: pytest.LogCaptureFixture) -> None:
    outage = OutageLog(logging.getLogger("test.outage"), every_s=60.0)
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        for _ in range(5):
            outage.warn("claiming failed", LedgerUnavailable("lost the ledger database: gone"))
    assert [r.getMessage() for r in caplog.records] == [
        "claiming failed: lost the ledger database: gone"
    ]
    assert all(r.exc_info is None for r in caplog.records)
