"""Two gateway processes on one PostgreSQL split one batch; no item runs twice."""

from __future__ import annotations

from collections import Counter

import anthropic
import openai
import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.postgres import PostgresCluster

from .helpers import chat_body, openai_lines, wait_for

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


def test_two_gateways_split_one_batch(pg_cluster: PostgresCluster) -> None:
    db = pg_cluster.create_database()
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


FORWARD = """
[backends.claude]
format = "anthropic"
base_url = "{api}"
kind = "api"
provider = "anthropic"
models = ["claude-sonnet-4-5"]
"""


def test_two_gateways_forward_one_provider_batch_and_finish_it_once(
    pg_cluster: PostgresCluster,
) -> None:
    db = pg_cluster.create_database()
    with FakeOpenAI() as local, FakeAnthropic() as api:
        local.default = Reply("ok")
        api.batches.book.end_after_polls = 4  # both gateways poll it; either may see the end
        texts = [
            CONFIG.format(db=db, url=local.url, name=name).replace("[batch]", FORWARD.format(
                api=api.url) + "\n[batch]") + 'forward = ["claude"]\nforward_poll_s = 0.05\n'
            for name in ("box_a", "box_b")
        ]  # fmt: skip
        requests = [{"custom_id": f"req-{i}", "params": chat_body(i, "claude-sonnet-4-5")}
                    for i in range(20)]  # fmt: skip
        with (
            running_gateway(texts[0], subprocess=True) as one,
            running_gateway(texts[1], subprocess=True) as two,
            anthropic.Anthropic(base_url=one.url, api_key="k", max_retries=0) as client,
        ):
            batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
            done = wait_for(
                lambda: (b := client.messages.batches.retrieve(batch.id)).processing_status
                == "ended" and b, timeout=60,
            )  # fmt: skip
            results = list(client.messages.batches.results(batch.id))
            assert one.stop() == 0 and two.stop() == 0
    assert len(api.batches.book.created) == 1  # one provider batch for both gateways
    (sent,) = api.batches.book.batches.values()
    assert len(sent.requests) == 20 and local.requests == []
    assert done.request_counts.succeeded == 20
    assert sorted(r.custom_id for r in results) == sorted(f"req-{i}" for i in range(20))
    store = open_store(db)
    try:
        rows = store.rows()
    finally:
        store.close()
    assert len(rows) == 20 and {r.backend for r in rows} == {"claude"}
    assert {r.route_reason for r in rows} == {"batch-forward"}


def test_files_uploaded_to_either_gateway_are_listed_and_deleted_through_both(
    pg_cluster: PostgresCluster,
) -> None:
    db = pg_cluster.create_database()
    with FakeOpenAI() as fake:
        texts = [CONFIG.format(db=db, url=fake.url, name=name) for name in ("box_a", "box_b")]
        with (
            running_gateway(texts[0], subprocess=True) as one,
            running_gateway(texts[1], subprocess=True) as two,
            openai.OpenAI(base_url=one.openai_base_url, api_key="k", max_retries=0) as client,
            openai.OpenAI(base_url=two.openai_base_url, api_key="k", max_retries=0) as other,
        ):
            uploaded = client.files.create(file=("in.jsonl", openai_lines(1)), purpose="batch")
            assert other.files.retrieve(uploaded.id).bytes == uploaded.bytes
            second = other.files.create(file=("b.jsonl", openai_lines(2)), purpose="batch")
            assert [f.id for f in client.files.list()] == [second.id, uploaded.id]
            assert [f.id for f in client.files.list(after=second.id)] == [uploaded.id]
            assert other.files.delete(uploaded.id).deleted is True
            with pytest.raises(openai.NotFoundError):
                client.files.retrieve(uploaded.id)
            assert one.stop() == 0 and two.stop() == 0
