"""A gateway killed with SIGKILL mid-batch, then restarted: every item answered exactly once."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter

import anthropic
import pytest

from fulcrum.fakes import FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.settings import Paths
from fulcrum.testing.gateway import running_gateway

from .helpers import chat_body, llama_config, wait_for

# The local backend answers in 0.1 s, two items at a time: a 50-item batch takes ~2.5 s.
SLOW_LOCAL = 'window = "00:00-24:00"\nmax_concurrent = 2\npoll_s = 0.05\nlease_s = 2'


def _rows() -> int:
    store = open_store(None)
    try:
        return store.count()
    finally:
        store.close()


def _attempts_of_queued() -> set[int]:
    with contextlib.closing(sqlite3.connect(Paths.build().ledger_sqlite)) as db:
        sql = "SELECT attempts FROM batch_items WHERE state = 'queued'"
        return {n for (n,) in db.execute(sql)}


@pytest.mark.slow
def test_sigkill_mid_batch_then_restart_answers_every_item_once() -> None:
    with FakeOpenAI() as fake:
        fake.default = Reply("done", first_byte_delay=0.1)
        text = llama_config(fake.url, "local-model", batch=SLOW_LOCAL)  # fmt: skip
        requests = [{"custom_id": f"req-{i}", "params": chat_body(i)} for i in range(50)]
        with running_gateway(text, subprocess=True) as gw:
            with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client:
                batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
            wait_for(lambda: _rows() >= 10, timeout=60, every=0.02)
            assert gw.process is not None
            gw.process.kill()  # SIGKILL: no drain, no release, leases left behind
            gw.process.wait()
        killed_at = _rows()
        assert 10 <= killed_at < 50, killed_at
        with (
            running_gateway(text, subprocess=True) as gw,
            anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
        ):
            done = wait_for(
                lambda: (b := client.messages.batches.retrieve(batch.id)).processing_status
                == "ended" and b, timeout=60,
            )  # fmt: skip
            results = list(client.messages.batches.results(batch.id))
        sent = Counter(r.body["messages"][0]["content"] for r in fake.requests)
    assert done.request_counts.succeeded == 50 and done.request_counts.processing == 0
    assert sorted(r.custom_id for r in results) == sorted(f"req-{i}" for i in range(50))
    assert all(r.result.type == "succeeded" for r in results)
    store = open_store(None)
    rows = store.rows()
    store.close()
    assert len(rows) == 50 and len({r.id for r in rows}) == 50
    # every item reached the backend; those in flight at the kill were sent again, once more
    assert set(sent) == {f"hi {i}" for i in range(50)}
    assert sum(sent.values()) - 50 <= 2  # at most max_concurrent items were cut off


@pytest.mark.slow
def test_sigterm_puts_the_items_in_flight_back_at_once() -> None:
    with FakeOpenAI() as fake:
        fake.default = Reply("done", first_byte_delay=0.2)
        long_lease = SLOW_LOCAL.replace("lease_s = 2", "lease_s = 600")  # no help from expiry
        text = llama_config(fake.url, "m", batch=long_lease)
        requests = [{"custom_id": f"req-{i}", "params": chat_body(i)} for i in range(20)]
        with running_gateway(text, subprocess=True) as gw:
            with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client:
                batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
            wait_for(lambda: _rows() >= 3, timeout=60, every=0.02)
            assert gw.stop() == 0  # SIGTERM with two items in flight
        assert _rows() < 20
        # the tries the stop cut short are given back: none counts against max_attempts
        assert _attempts_of_queued() == {0}
        with (
            running_gateway(text, subprocess=True) as gw,
            anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
        ):
            done = wait_for(
                lambda: (b := client.messages.batches.retrieve(batch.id)).processing_status
                == "ended" and b, timeout=30,
            )  # fmt: skip
    assert done.request_counts.succeeded == 20 and _rows() == 20
