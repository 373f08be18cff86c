"""The run window: a closed window keeps a batch queued; outside it, ``idle_only`` runs items
only while no interactive call is on the local machine; a cancel ends what never ran."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import anthropic
import openai
import pytest

from fulcrum.fakes import FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway

from .helpers import chat_body, llama_config, wait_for


def _closed_window() -> str:
    """A one-hour window that opens two hours from now (UTC): closed until then."""
    start = datetime.now(UTC) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    return f'window = "{start:%H:%M}-{end:%H:%M}"\ntimezone = "UTC"\npoll_s = 0.05'


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        fake.default = Reply("ok")
        yield fake


def _requests(n: int) -> list[dict[str, object]]:
    return [{"custom_id": f"req-{i}", "params": chat_body(i)} for i in range(n)]


def test_a_closed_window_keeps_the_batch_queued(fake: FakeOpenAI) -> None:
    closed = _closed_window() + "\nidle_only = false"
    with (
        running_gateway(llama_config(fake.url, "m", batch=closed)) as gw,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
    ):  # fmt: skip
        batch = client.messages.batches.create(requests=_requests(5))  # type: ignore[arg-type]
        time.sleep(1.0)  # 20 polls of the worker
        queued = client.messages.batches.retrieve(batch.id)
        assert queued.processing_status == "in_progress"
        assert queued.request_counts.processing == 5 and queued.results_url is None
        cancelled = client.messages.batches.cancel(batch.id)
        assert cancelled.processing_status == "ended" and cancelled.cancel_initiated_at
        assert cancelled.request_counts.canceled == 5
        results = list(client.messages.batches.results(batch.id))
    assert [r.result.type for r in results] == ["canceled"] * 5
    assert fake.requests == [] and open_store(None).count() == 0


def test_outside_the_window_items_wait_for_interactive_calls(fake: FakeOpenAI) -> None:
    fake.push(Reply("interactive", first_byte_delay=1.5))  # the first call holds the machine
    text = llama_config(fake.url, "m", batch=_closed_window())
    with (
        running_gateway(text) as gw,
        openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as chat,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
        ThreadPoolExecutor(1) as pool,
    ):
        interactive = pool.submit(
            lambda: chat.chat.completions.create(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "now"}]
            )
        )
        wait_for(lambda: fake.requests, timeout=10, every=0.01)
        batch = client.messages.batches.create(requests=_requests(5))  # type: ignore[arg-type]
        time.sleep(0.7)
        assert len(fake.requests) == 1  # nothing of the batch while the call is in flight
        assert interactive.result().choices[0].message.content == "interactive"
        done = wait_for(
            lambda: (b := client.messages.batches.retrieve(batch.id)).processing_status
            == "ended" and b, timeout=30,
        )  # fmt: skip
    assert done.request_counts.succeeded == 5
    assert len(fake.requests) == 6 and open_store(None).count() == 6  # 1 interactive + 5 items
