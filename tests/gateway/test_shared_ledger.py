"""Several gateway processes sharing one PostgreSQL ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

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
