"""Two gateway processes on one PostgreSQL split one batch; no item runs twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import anthropic
import pytest

from fulcrum.fakes import FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.postgres import PostgresCluster

from .helpers import chat_body, wait_for

pytestmark = pytest.mark.postgres

CONFIG = """
[ledger]
url = "{db}"

[machine]
price_usd = 2000
load_w = 300

[backends.{name}]
format = "openai"
base_url = "{url}"
kind = "local"
models = ["m"]

[routes]
default = "{name}"

[batch]
window = "00:00-24:00"
max_concurrent = 3
poll_s = 0.02
"""


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_two_gateways_split_one_batch(pg: PostgresCluster) -> None:
    db = pg.create_database()
    with FakeOpenAI() as fake:
        fake.default = Reply("ok", first_byte_delay=0.05)
        one_text = CONFIG.format(db=db, url=fake.url, name="box_a")
        two_text = CONFIG.format(db=db, url=fake.url, name="box_b")  # same box, told apart
        requests = [{"custom_id": f"req-{i}", "params": chat_body(i)} for i in range(60)]
        with (
            running_gateway(one_text, subprocess=True) as one,
            running_gateway(two_text, subprocess=True) as two,
            anthropic.Anthropic(base_url=one.url, api_key="k", max_retries=0) as client,
            anthropic.Anthropic(base_url=two.url, api_key="k", max_retries=0) as other,
        ):
            batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
            done = wait_for(
                lambda: (b := other.messages.batches.retrieve(batch.id)).processing_status
                == "ended" and b, timeout=60,
            )  # fmt: skip
            results = list(other.messages.batches.results(batch.id))
            assert one.stop() == 0 and two.stop() == 0
        sent = Counter(r.body["messages"][0]["content"] for r in fake.requests)
    assert done.request_counts.succeeded == 60
    assert sorted(r.custom_id for r in results) == sorted(f"req-{i}" for i in range(60))
    assert len(sent) == 60 and set(sent.values()) == {1}  # no item ran twice
    store = open_store(db)
    try:
        rows = store.rows()
    finally:
        store.close()
    assert len(rows) == 60 and len({r.id for r in rows}) == 60
    by_gateway = Counter(r.backend for r in rows)
    assert by_gateway["box_a"] > 0 and by_gateway["box_b"] > 0, by_gateway
