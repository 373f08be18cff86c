"""Several gateway processes sharing one PostgreSQL ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fulcrum.gateway import app
from fulcrum.gateway.app import open_ledger
from fulcrum.gateway.config import from_mapping
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.postgres import PostgresCluster

from .helpers import HI, post_json

pytestmark = pytest.mark.postgres


def test_two_gateways_write_one_ledger(pg_cluster: PostgresCluster, config_text: str) -> None:
    url = pg_cluster.create_database()
    text = config_text.replace("[server]", f'[ledger]\nurl = "{url}"\n\n[server]')
    body = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}
    with (
        running_gateway(text, subprocess=True) as one,
        running_gateway(text, subprocess=True) as two,
        ThreadPoolExecutor(8) as pool,
    ):
        codes = list(pool.map(lambda i: post_json((one, two)[i % 2], "/v1/messages", body)[0],
                              range(60)))  # fmt: skip
        assert codes == [200] * 60
        assert one.stop() == 0 and two.stop() == 0
    store = open_store(url)
    try:
        rows = store.rows()
    finally:
        store.close()
    assert len(rows) == 60 and len({r.id for r in rows}) == 60
    assert all(r.cost_usd is not None for r in rows)


def test_rows_are_prepared_on_the_loop_only_with_a_local_ledger(
    pg_cluster: PostgresCluster, tmp_path: Path
) -> None:
    """SQLite: the loop builds and prices rows (no GIL hand-overs with the writer), inserted
    in short batches by a thread at the lowest priority; a database server: the writer's
    thread does, since settling a budget may go to it, in longer batches and at the loop's
    priority (it holds the GIL while it prepares them)."""
    for url, on_loop in ((f"sqlite:///{tmp_path / 'l.db'}", True),
                         (pg_cluster.create_database(), False)):  # fmt: skip
        data = {"ledger": {"url": url}}
        config = from_mapping(data, source="test", env={}, base=tmp_path, allow_empty=True)
        writer = open_ledger(config)
        try:
            assert (writer.store.remote, writer.prepare_in_caller) == (not on_loop, on_loop)
            delay, nice = (app.WRITE_DELAY_S, 19) if on_loop else (app.REMOTE_WRITE_DELAY_S, 0)
            assert (writer.max_delay_s, writer.nice) == (delay, nice)
        finally:
            writer.close()
