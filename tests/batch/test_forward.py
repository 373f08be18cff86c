"""Items no local backend serves go to the provider's own batch API (``[batch] forward``):
one provider batch per backend, results in the client's format, each item answered once,
priced at the provider's batch rate, and a restart resumes the provider batch."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal

import anthropic
import openai
import pytest

from fulcrum.batch import forward_store
from fulcrum.batch.store import BatchStore
from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Hang, Reply
from fulcrum.ledger import open_store
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import LedgerRow
from fulcrum.routing.budget import open_database
from fulcrum.testing.gateway import running_gateway
from fulcrum.wire.usage import TokenUsage

from .helpers import chat_body, wait_for

CONFIG = """
[backends.box]
format = "openai"
base_url = "{local}"
kind = "local"
models = ["local-model"]

[backends.claude]
format = "anthropic"
base_url = "{claude}"
kind = "api"
provider = "anthropic"
models = ["claude-sonnet-4-5"]

[backends.gpt]
format = "openai"
base_url = "{gpt}"
kind = "api"
provider = "openai"
models = ["gpt-4o-mini"]

[routes]
default = "box"

[batch]
window = "00:00-24:00"
poll_s = 0.05
forward = ["claude", "gpt"]
forward_poll_s = 0.05
"""
MODELS = {"box": "local-model", "claude": "claude-sonnet-4-5", "gpt": "gpt-4o-mini"}
Fakes = tuple[FakeOpenAI, FakeAnthropic, FakeOpenAI]


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with FakeOpenAI() as local, FakeAnthropic() as claude, FakeOpenAI() as gpt:
        local.default = Reply("from the box")
        claude.default = Reply("from claude")
        gpt.default = Reply("from gpt")
        yield local, claude, gpt


def _config(fakes: Fakes) -> str:
    local, claude, gpt = fakes
    return CONFIG.format(local=local.url, claude=claude.url, gpt=gpt.url)


def _requests() -> list[dict[str, object]]:
    return [{"custom_id": f"{name}-{i}", "params": chat_body(i, model)}
            for name, model in MODELS.items() for i in range(2)]  # fmt: skip


def _posts(fake: FakeOpenAI | FakeAnthropic, path: str) -> list[object]:
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


def _ended(client: anthropic.Anthropic, batch_id: str, timeout: float = 30) -> object:
    return wait_for(
        lambda: (b := client.messages.batches.retrieve(batch_id)).processing_status == "ended"
        and b, timeout=timeout,
    )  # fmt: skip


def _forwarded_rows() -> list[LedgerRow]:
    store = open_store(None)
    try:
        return [r for r in store.rows() if r.route_reason == "batch-forward"]
    finally:
        store.close()


def test_a_mixed_message_batch_sends_one_provider_batch_per_backend(fakes: Fakes) -> None:
    local, claude, gpt = fakes
    with (
        running_gateway(_config(fakes)) as gw,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
    ):
        batch = client.messages.batches.create(requests=_requests())  # type: ignore[arg-type]
        done = _ended(client, batch.id)
        results = list(client.messages.batches.results(batch.id))
        with urllib.request.urlopen(gw.url + "/metrics", timeout=10) as resp:
            metrics = resp.read().decode()
    assert done.request_counts.succeeded == 6  # type: ignore[attr-defined]
    for backend in ("claude", "gpt"):
        assert (f'fulcrum_requests_total{{backend="{backend}",endpoint="/v1/messages/batches",'
                'status="200"} 2.0') in metrics  # fmt: skip
    assert sorted(r.custom_id for r in results) == sorted(str(r["custom_id"]) for r in _requests())
    texts = {r.custom_id: r.result.message.content[0].text for r in results}  # type: ignore[union-attr]
    answers = {"box": "from the box", "claude": "from claude", "gpt": "from gpt"}
    assert texts == {f"{name}-{i}": text for name, text in answers.items() for i in range(2)}
    # the frontier items went in ONE provider batch each, never to the interactive endpoints
    assert len(claude.batches.book.created) == 1 and len(gpt.batches.book.created) == 1
    (sent,) = claude.batches.book.batches.values()
    assert [body["messages"][0]["content"] for _, body in sent.requests] == ["hi 0", "hi 1"]
    assert _posts(claude, "/v1/messages") == [] and _posts(gpt, "/v1/chat/completions") == []
    assert len(_posts(local, "/v1/chat/completions")) == 2
    (gpt_batch,) = gpt.batches.book.batches.values()
    assert {b["model"] for _, b in gpt_batch.requests} == {"gpt-4o-mini"}  # shaped for OpenAI
    assert (
        "max_tokens" in gpt_batch.requests[0][1]
        or "max_completion_tokens" in gpt_batch.requests[0][1]
    )
    rows = _forwarded_rows()
    assert sorted(r.backend for r in rows) == ["claude", "claude", "gpt", "gpt"]
    for row in rows:
        decision = json.loads(row.decision or "{}")["forwarded"]
        provider = claude if row.backend == "claude" else gpt
        assert decision == {"backend": row.backend,
                            "provider_batch_id": provider.batches.book.created[0]}  # fmt: skip
        assert row.backend_kind == "api" and row.session == batch.id and row.output_tokens > 0


def test_a_forwarded_item_costs_the_providers_batch_price(fakes: Fakes) -> None:
    with (
        running_gateway(_config(fakes)) as gw,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
    ):
        requests = [{"custom_id": "c", "params": chat_body(0, "claude-sonnet-4-5")}]
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        _ended(client, batch.id)
    (row,) = _forwarded_rows()
    usage = TokenUsage(row.input_tokens, row.output_tokens)
    interactive = Pricer().api_cost("claude-sonnet-4-5", "anthropic", usage, row.ts)
    assert interactive is not None and interactive > 0
    assert row.cost_usd == interactive * Decimal("0.50")  # real spend, at half price
    assert row.counterfactual_usd is not None
    assert row.saving_usd == row.counterfactual_usd - row.cost_usd


def _responses_body(i: int, model: str) -> dict[str, object]:
    return {"model": model, "input": f"hi {i}", "max_output_tokens": 8}


def _text(endpoint: str, body: dict[str, object]) -> str | None:
    """The answer's text, read by the SDK's own type for the batch's endpoint."""
    if endpoint == "/v1/responses":
        return openai.types.responses.Response.model_validate(body).output_text
    return openai.types.chat.ChatCompletion.model_validate(body).choices[0].message.content


@pytest.mark.parametrize(
    ("endpoint", "body"), [("/v1/chat/completions", chat_body), ("/v1/responses", _responses_body)]
)
def test_a_mixed_openai_batch_answers_in_its_endpoints_format(
    fakes: Fakes, endpoint: str, body: Callable[[int, str], dict[str, object]]
) -> None:
    local, claude, gpt = fakes
    lines = b"".join(
        json.dumps({"custom_id": f"{name}-{i}", "method": "POST", "url": endpoint,
                    "body": body(i, model)}).encode() + b"\n"
        for name, model in MODELS.items() for i in range(2)
    )  # fmt: skip
    with (
        running_gateway(_config(fakes)) as gw,
        openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client,
    ):
        upload = client.files.create(file=("in.jsonl", lines), purpose="batch")
        batch = client.batches.create(input_file_id=upload.id, endpoint=endpoint,  # type: ignore[arg-type]
                                      completion_window="24h")  # fmt: skip
        assert batch.endpoint == endpoint
        done = wait_for(lambda: (b := client.batches.retrieve(batch.id)).completed_at and b)
        assert done.output_file_id is not None and done.error_file_id is None
        out = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    assert sorted(line["custom_id"] for line in out) == sorted(
        f"{n}-{i}" for n in MODELS for i in range(2)
    )
    expected = {"box": "from the box", "claude": "from claude", "gpt": "from gpt"}
    for line in out:
        assert _text(endpoint, line["response"]["body"]) == expected[line["custom_id"][:-2]]
    assert len(claude.batches.book.created) == 1 and len(gpt.batches.book.created) == 1
    assert len(_posts(gpt, "/v1/files")) == 1 and len(_posts(gpt, "/v1/batches")) == 1
    assert len(_posts(local, "/v1/chat/completions")) == 2  # a Responses item translated too


def test_errored_and_expired_provider_items_map_to_each_clients_results(fakes: Fakes) -> None:
    _, claude, gpt = fakes
    claude.push(Reply("fine"), Fail(400, "prompt is too long"), Hang())
    gpt.push(Reply("fine"), Fail(400, "prompt is too long"), Hang())
    requests = [{"custom_id": f"c-{i}", "params": chat_body(i, "claude-sonnet-4-5")}
                for i in range(3)]  # fmt: skip
    lines = b"".join(
        json.dumps({"custom_id": f"g-{i}", "method": "POST", "url": "/v1/chat/completions",
                    "body": chat_body(i, "gpt-4o-mini")}).encode() + b"\n" for i in range(3)
    )  # fmt: skip
    with running_gateway(_config(fakes)) as gw:
        with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as claude_client:
            made = claude_client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
            done = _ended(claude_client, made.id)
            results = {
                r.custom_id: r.result for r in claude_client.messages.batches.results(made.id)
            }
        with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client:
            upload = client.files.create(file=("in.jsonl", lines), purpose="batch")
            batch = client.batches.create(input_file_id=upload.id, completion_window="24h",
                                          endpoint="/v1/chat/completions")  # fmt: skip
            ended = wait_for(
                lambda: (b := client.batches.retrieve(batch.id)).status == "expired" and b
            )
            assert ended.output_file_id and ended.error_file_id
            errors = [
                json.loads(x) for x in client.files.content(ended.error_file_id).text.splitlines()
            ]
    counts = done.request_counts  # type: ignore[attr-defined]
    assert (counts.succeeded, counts.errored, counts.expired) == (1, 1, 1)
    assert [results[f"c-{i}"].type for i in range(3)] == ["succeeded", "errored", "expired"]
    error = results["c-1"].error.error  # type: ignore[union-attr]
    assert error.type == "invalid_request_error" and error.message == "prompt is too long"
    assert ended.request_counts is not None and ended.request_counts.failed == 2
    bad, late = sorted(errors, key=lambda x: x["custom_id"])[0:2]
    assert bad["custom_id"] == "g-1" and bad["response"]["status_code"] == 400
    assert bad["response"]["body"]["error"]["message"] == "prompt is too long"
    assert late["custom_id"] == "g-2" and late["response"] is None
    assert late["error"]["code"] == "batch_expired"
    rows = _forwarded_rows()  # the provider ran two of each; the expired ones cost nothing
    assert sorted((r.backend, r.status) for r in rows) == [
        ("claude", 200),
        ("claude", 400),
        ("gpt", 200),
        ("gpt", 400),
    ]


def _in_flight() -> list[tuple[str, str]]:
    db = open_database(None)
    try:
        return forward_store.in_flight(BatchStore(db))
    finally:
        db.close()


@pytest.mark.slow
def test_a_restart_mid_provider_batch_resumes_it_without_resubmitting(fakes: Fakes) -> None:
    _, claude, _ = fakes
    claude.batches.book.hold()  # in progress until the test ends it
    requests = [{"custom_id": f"c-{i}", "params": chat_body(i, "claude-sonnet-4-5")}
                for i in range(3)]  # fmt: skip
    requests.append({"custom_id": "local", "params": chat_body(9, "local-model")})
    with running_gateway(_config(fakes), subprocess=True) as gw:
        with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client:
            batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        (forwarded,) = wait_for(_in_flight, timeout=30)  # the provider batch id is durable
        wait_for(lambda: _polls(claude) >= 2, timeout=30)
        assert gw.process is not None
        gw.process.kill()  # SIGKILL while the provider batch is in progress
        gw.process.wait()
    assert forwarded == (claude.batches.book.created[0], "claude")
    before = _polls(claude)
    with (
        running_gateway(_config(fakes), subprocess=True) as gw,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
    ):
        wait_for(lambda: _polls(claude) > before, timeout=30)  # the new gateway polls it
        assert client.messages.batches.retrieve(batch.id).processing_status == "in_progress"
        claude.batches.book.end_all()
        done = _ended(client, batch.id)
        results = list(client.messages.batches.results(batch.id))
    assert len(_posts(claude, "/v1/messages/batches")) == 1  # one create, ever
    assert claude.batches.book.created == [forwarded[0]]
    assert done.request_counts.succeeded == 4  # type: ignore[attr-defined]
    assert sorted(r.custom_id for r in results) == ["c-0", "c-1", "c-2", "local"]
    store = open_store(None)
    try:
        rows = store.rows()
    finally:
        store.close()
    assert len(rows) == 4 and len({r.id for r in rows}) == 4
    assert sorted(r.backend for r in rows) == ["box", "claude", "claude", "claude"]


def _polls(fake: FakeAnthropic) -> int:
    return sum(1 for r in fake.requests if r.method == "GET" and r.path.startswith(
        "/v1/messages/batches/msgbatch_"))  # fmt: skip


def test_a_refused_submission_ends_its_items_errored_with_the_providers_error(
    fakes: Fakes,
) -> None:
    _, claude, _ = fakes
    claude.api_key = "a-key-the-gateway-does-not-have"  # 401 on the batch create
    requests = [{"custom_id": "c", "params": chat_body(0, "claude-sonnet-4-5")}]
    with (
        running_gateway(_config(fakes)) as gw,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
    ):
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        done = _ended(client, batch.id)
        (line,) = list(client.messages.batches.results(batch.id))
    assert done.request_counts.errored == 1  # type: ignore[attr-defined]
    assert line.result.type == "errored"
    assert line.result.error.error.type == "authentication_error"
    assert "invalid x-api-key" in line.result.error.error.message
    assert claude.batches.book.created == [] and _forwarded_rows() == []  # nothing ran
