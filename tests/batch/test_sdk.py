"""The official SDKs' batch methods, unmodified, against the gateway and a real llama.cpp."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import anthropic
import openai
import pytest

from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway
from fulcrum.testing.llama import LlamaServer

from .helpers import chat_body, llama_config, openai_lines, wait_for

pytestmark = pytest.mark.llama


@pytest.fixture
def gateway(llama_server: LlamaServer) -> Iterator[RunningGateway]:
    with running_gateway(llama_config(llama_server.base_url, llama_server.model)) as gw:
        yield gw


def test_openai_sdk_runs_a_50_item_batch(
    gateway: RunningGateway, llama_server: LlamaServer
) -> None:
    with openai.OpenAI(base_url=gateway.openai_base_url, api_key="k", max_retries=0) as client:
        uploaded = client.files.create(file=("in.jsonl", openai_lines(50)), purpose="batch")
        assert uploaded.purpose == "batch" and uploaded.bytes > 0
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert batch.status == "in_progress" and batch.request_counts is not None
        assert batch.request_counts.total == 50
        done = wait_for(lambda: (b := client.batches.retrieve(batch.id)).completed_at and b)
        assert done.status == "completed" and done.error_file_id is None
        assert done.request_counts.completed == 50 and done.request_counts.failed == 0
        assert done.output_file_id is not None
        lines = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
        assert client.files.content(uploaded.id).content == openai_lines(50)
    assert sorted(line["custom_id"] for line in lines) == sorted(f"item-{i}" for i in range(50))
    for line in lines:
        assert line["error"] is None and line["response"]["status_code"] == 200
        completion = openai.types.chat.ChatCompletion.model_validate(line["response"]["body"])
        assert completion.model == llama_server.model  # the answer passes through, as served
        assert completion.usage is not None and completion.usage.completion_tokens > 0
    rows = open_store(None).rows()
    assert len(rows) == 50 and {r.session for r in rows} == {batch.id}
    assert {r.id for r in rows} == {line["response"]["request_id"] for line in lines}
    assert all(r.endpoint == "/v1/batches" and r.backend_kind == "local" for r in rows)
    # timed by llama.cpp's own report of its generation, as the gateway's whole answers
    assert all(
        r.ttft_ms is not None and r.decode_tps is not None and r.decode_tps > 0 for r in rows
    )


def test_openai_sdk_runs_a_responses_batch(
    gateway: RunningGateway, llama_server: LlamaServer
) -> None:
    """A batch on /v1/responses: each item translated for the llama.cpp server, answered as a
    Responses object."""
    lines = b"".join(
        json.dumps({"custom_id": f"r-{i}", "method": "POST", "url": "/v1/responses",
                    "body": {"model": llama_server.model, "input": f"hi {i}",
                             "instructions": "Be brief.", "max_output_tokens": 8}}).encode()
        + b"\n"
        for i in range(10)
    )  # fmt: skip
    with openai.OpenAI(base_url=gateway.openai_base_url, api_key="k", max_retries=0) as client:
        uploaded = client.files.create(file=("in.jsonl", lines), purpose="batch")
        batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/responses",
                                      completion_window="24h")  # fmt: skip
        done = wait_for(lambda: (b := client.batches.retrieve(batch.id)).completed_at and b)
        assert done.status == "completed" and done.request_counts is not None
        assert done.request_counts.completed == 10 and done.output_file_id is not None
        out = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    assert sorted(line["custom_id"] for line in out) == sorted(f"r-{i}" for i in range(10))
    for line in out:
        response = openai.types.responses.Response.model_validate(line["response"]["body"])
        assert response.object == "response" and response.status in ("completed", "incomplete")
        assert response.usage is not None and response.usage.output_tokens > 0
        assert response.instructions == "Be brief."
    rows = [r for r in open_store(None).rows() if r.session == batch.id]
    assert len(rows) == 10 and all(r.backend_kind == "local" and r.status == 200 for r in rows)


def test_anthropic_sdk_runs_a_50_item_batch(gateway: RunningGateway) -> None:
    requests = [{"custom_id": f"req-{i}", "params": chat_body(i)} for i in range(50)]
    with anthropic.Anthropic(base_url=gateway.url, api_key="k", max_retries=0) as client:
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        assert batch.processing_status == "in_progress"
        assert batch.request_counts.processing == 50
        done = wait_for(
            lambda: (
                (b := client.messages.batches.retrieve(batch.id)).processing_status == "ended" and b
            )
        )
        assert done.request_counts.succeeded == 50 and done.ended_at is not None
        results = list(client.messages.batches.results(batch.id))
    assert sorted(r.custom_id for r in results) == sorted(f"req-{i}" for i in range(50))
    assert all(r.result.type == "succeeded" for r in results)
    messages = [r.result.message for r in results if r.result.type == "succeeded"]
    assert all(m.model == "claude-sonnet-4-6" and m.usage.output_tokens > 0 for m in messages)
    rows = open_store(None).rows()
    assert len(rows) == 50 and all(r.endpoint == "/v1/messages/batches" for r in rows)
    # the local cost is the machine's; the counterfactual is Sonnet at half price
    assert all(r.cost_usd is not None and r.counterfactual_usd is not None for r in rows)
    assert all(r.saving_usd == r.counterfactual_usd - r.cost_usd for r in rows)  # type: ignore[operator]
    assert sum((r.counterfactual_usd or Decimal(0) for r in rows), Decimal(0)) > 0
