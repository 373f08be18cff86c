"""The batch endpoints through the official SDKs, as a client written for the real APIs uses
them: input files as editors save them, the providers' limits and error statuses, paging."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from fulcrum.batch.anthropic_batch import ANTHROPIC_BATCH
from fulcrum.batch.openai_batch import OPENAI_BATCH
from fulcrum.errors import InvalidRequest
from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import FAKES_CONFIG, chat_body, openai_line, wait_for

CHAT = "/v1/chat/completions"


@pytest.fixture
def gw(request: pytest.FixtureRequest) -> Iterator[RunningGateway]:
    config = FAKES_CONFIG
    if "queued" in request.node.name:  # a test of batches that never run
        config += "enabled = false\n"
    with FakeOpenAI() as local, FakeAnthropic() as api:
        local.default = Reply("ok")
        with running_gateway(config.format(local=local.url, api=api.url)) as gateway:
            yield gateway


@pytest.fixture
def client(gw: RunningGateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as oai:
        yield oai


@pytest.fixture
def claude(gw: RunningGateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as sdk:
        yield sdk


def _batch(client: openai.OpenAI, data: bytes, **fields: Any) -> Any:
    uploaded = client.files.create(file=("in.jsonl", data), purpose="batch")
    args = {"input_file_id": uploaded.id, "endpoint": CHAT, "completion_window": "24h", **fields}
    return client.batches.create(**args)


def _ended(client: openai.OpenAI, batch_id: str) -> Any:
    return wait_for(lambda: (b := client.batches.retrieve(batch_id)).status != "in_progress" and b)


def test_a_file_saved_with_a_bom_and_crlf_lines_runs(client: openai.OpenAI) -> None:
    data = b"\xef\xbb\xbf" + (openai_line("a") + openai_line("b")).replace(b"\n", b"\r\n")
    done = _ended(client, _batch(client, data).id)
    assert done.status == "completed" and done.request_counts.completed == 2
    lines = client.files.content(done.output_file_id).text.splitlines()
    assert sorted(json.loads(x)["custom_id"] for x in lines) == ["a", "b"]


def test_openai_custom_ids_are_any_unique_string(client: openai.OpenAI) -> None:
    ids = ["doc.1/page 2", "ünïcode:3", "x" * 100]
    done = _ended(client, _batch(client, b"".join(openai_line(i) for i in ids)).id)
    lines = client.files.content(done.output_file_id).text.splitlines()
    assert sorted(json.loads(x)["custom_id"] for x in lines) == sorted(ids)


META_17 = {f"k{i}": "v" for i in range(17)}


@pytest.mark.parametrize(
    ("data", "fields", "words", "param"),
    [
        (openai_line("a"), {"completion_window": "48h"}, "24h", "completion_window"),
        (openai_line("a"), {"metadata": META_17}, "16", "metadata"),
        (openai_line("a"), {"metadata": {"k" * 65: "v"}}, "64", "metadata"),
        (openai_line("a"), {"metadata": {"k": "v" * 513}}, "512", "metadata"),
        (openai_line("a"), {"metadata": {"k": 1}}, "string", "metadata"),
        (openai_line("a", method="GET"), {}, "line 1: method", "method"),
        (openai_line("a", url="/v1/embeddings"), {}, "line 1: url", "url"),
        (openai_line("a") + b"\xff\xfe\n", {}, "UTF-8", "input_file_id"),
        (openai_line(""), {}, "custom_id", "custom_id"),
        (
            openai_line("a"),
            {"endpoint": "/v1/embeddings"},
            "/v1/chat/completions or /v1/responses",
            "endpoint",
        ),
        (
            openai_line(
                "a",
                url="/v1/responses",
                body={"model": "m", "input": "hi", "previous_response_id": "resp_1"},
            ),
            {"endpoint": "/v1/responses"},
            "line 1: previous_response_id",
            "previous_response_id",
        ),
        (
            openai_line("a", url="/v1/responses", body={"model": "m", "input": []}),
            {"endpoint": "/v1/responses"},
            "line 1: input",
            "input",
        ),
        (openai_line("a"), {"endpoint": "/v1/responses"}, "line 1: url", "url"),
    ],
)
def test_a_bad_openai_batch_is_a_400_naming_its_fault(
    client: openai.OpenAI, data: bytes, fields: dict[str, Any], words: str, param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _batch(client, data, **fields)
    assert words in caught.value.message and caught.value.param == param


def _post(gw: RunningGateway, path: str, data: bytes, ctype: str) -> tuple[int, Any]:
    headers = {"content-type": ctype, "authorization": "Bearer k"}
    request = urllib.request.Request(gw.url + path, data, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_batch_without_a_completion_window_is_a_400(
    gw: RunningGateway, client: openai.OpenAI
) -> None:
    uploaded = client.files.create(file=("in.jsonl", openai_line("a")), purpose="batch")
    body = json.dumps({"input_file_id": uploaded.id, "endpoint": CHAT}).encode()
    status, answer = _post(gw, "/v1/batches", body, "application/json")
    assert status == 400 and answer["error"]["param"] == "completion_window"


@pytest.mark.parametrize(
    ("data", "ctype", "status"),
    [
        (b'{"purpose": "batch"}', "application/json", 415),
        (b"--x\r\n", "multipart/form-data", 400),  # no boundary
        (b"garbage", "multipart/form-data; boundary=abc", 400),
    ],
)
def test_an_upload_that_is_not_a_multipart_form_is_refused_not_a_500(
    gw: RunningGateway, data: bytes, ctype: str, status: int
) -> None:
    got, answer = _post(gw, "/v1/files", data, ctype)
    assert got == status and answer["error"]["type"] == "invalid_request_error"


def test_an_output_file_is_not_a_batch_input(client: openai.OpenAI) -> None:
    done = _ended(client, _batch(client, openai_line("a")).id)
    assert client.files.retrieve(done.output_file_id).purpose == "batch_output"
    with pytest.raises(openai.BadRequestError) as caught:
        client.batches.create(input_file_id=done.output_file_id, endpoint=CHAT,
                              completion_window="24h")  # fmt: skip
    assert caught.value.param == "input_file_id" and "purpose" in caught.value.message


def test_cancelling_an_ended_openai_batch_is_a_409(client: openai.OpenAI) -> None:
    done = _ended(client, _batch(client, openai_line("a")).id)
    with pytest.raises(openai.ConflictError) as caught:
        client.batches.cancel(done.id)
    assert "completed" in caught.value.message
    assert client.batches.retrieve(done.id).status == "completed"  # unchanged


def test_unknown_batch_and_file_ids_are_404s_without_a_model_code(
    client: openai.OpenAI,
) -> None:
    calls = (
        lambda: client.batches.retrieve("batch_nope"),
        lambda: client.batches.cancel("batch_nope"),
        lambda: client.files.retrieve("file-nope"),
        lambda: client.files.content("file-nope"),
    )
    for call in calls:
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.code is None and "nope" in caught.value.message


def test_anthropic_lists_take_up_to_1000_and_page_both_ways(claude: anthropic.Anthropic) -> None:
    params = chat_body(0, "local-model")
    made = [
        claude.messages.batches.create(requests=[{"custom_id": "a", "params": params}]).id  # type: ignore[typeddict-item]
        for _ in range(4)
    ]
    newest_first = made[::-1]
    assert [b.id for b in claude.messages.batches.list(limit=1000).data] == newest_first
    page = claude.messages.batches.list(before_id=made[0], limit=2)
    assert [b.id for b in page.data] == [made[2], made[1]] and page.has_more
    assert [b.id for b in claude.messages.batches.list(before_id=made[0])] == newest_first[:3]
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.batches.list(limit=1001)


def test_a_batch_over_the_providers_request_limit_is_refused_before_its_lines_are_read() -> None:
    with pytest.raises(InvalidRequest, match="at most 50000 requests; this one has 50001"):
        OPENAI_BATCH.parse_file(b"{}\n" * 50_001)  # not one line is parsed
    with pytest.raises(InvalidRequest, match="at most 100000 requests"):
        ANTHROPIC_BATCH.parse_body({"requests": [{}] * 100_001})


def test_a_line_over_the_gateways_body_limit_is_refused_naming_it() -> None:
    # the docs promise each item is checked like an interactive request: a line over the
    # body limit (a 413 if sent alone) ran as an item
    with FakeOpenAI() as local, FakeAnthropic() as api:
        text = "[server]\nmax_body_bytes = 4096\n" + FAKES_CONFIG
        long = [{"role": "user", "content": "x" * 5000}]
        big = openai_line("b", body={**chat_body(0, "local-model"), "messages": long})
        with (
            running_gateway(text.format(local=local.url, api=api.url)) as gw,
            openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as oai,
        ):
            with pytest.raises(openai.BadRequestError) as caught:
                _batch(oai, openai_line("a") + big)
            assert list(oai.batches.list()) == []
    message = caught.value.message
    assert f"input file line 2 is {len(big.strip())} bytes; a request is at most 4096" in message
    assert local.requests == []


def test_the_openai_sdk_cancels_a_queued_batch(client: openai.OpenAI) -> None:
    """Nothing runs in this process ([batch] enabled = false): the cancel ends every item."""
    batch = _batch(client, openai_line("a") + openai_line("b"), metadata={"run": "nightly"})
    assert batch.status == "in_progress" and batch.metadata == {"run": "nightly"}
    cancelled = client.batches.cancel(batch.id)
    assert cancelled.status == "cancelled" and cancelled.cancelling_at and cancelled.cancelled_at
    assert cancelled.request_counts.failed == 2 and cancelled.output_file_id is None
    lines = [json.loads(x) for x in client.files.content(cancelled.error_file_id).text.splitlines()]
    assert [(x["custom_id"], x["response"], x["error"]["code"]) for x in lines] == [
        ("a", None, "batch_cancelled"), ("b", None, "batch_cancelled")]  # fmt: skip
    assert [b.id for b in client.batches.list()] == [batch.id]
