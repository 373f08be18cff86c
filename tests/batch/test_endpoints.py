"""Batch endpoints: bad batches refused in the provider's shape; a model no local backend
serves ends its item as errored, saying so; unknown ids are 404s."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Iterator

import anthropic
import openai
import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway
from fulcrum.testing.process import free_port

from .helpers import FAKES_CONFIG, chat_body, llama_config, openai_line, openai_lines, wait_for


@pytest.fixture
def gateway() -> Iterator[tuple[RunningGateway, FakeOpenAI, FakeAnthropic]]:
    with FakeOpenAI() as local, FakeAnthropic() as api:
        local.default = Reply("ok")
        with running_gateway(FAKES_CONFIG.format(local=local.url, api=api.url)) as gw:
            yield gw, local, api


def test_an_item_for_a_frontier_model_errors_and_the_rest_run(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw, local, api = gateway
    requests = [
        {"custom_id": "local", "params": chat_body(0, "local-model")},
        {"custom_id": "frontier", "params": chat_body(1, "claude-opus-4-1")},
    ]
    with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client:
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        done = wait_for(
            lambda: (b := client.messages.batches.retrieve(batch.id)).processing_status
            == "ended" and b,
        )  # fmt: skip
        results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    assert done.request_counts.succeeded == 1 and done.request_counts.errored == 1
    assert results["local"].type == "succeeded"
    error = results["frontier"]
    assert error.type == "errored" and error.error.error.type == "invalid_request_error"
    assert "not served by a local backend" in error.error.error.message
    assert len(local.requests) == 1 and api.requests == []  # nothing went to the frontier
    assert [r.model for r in open_store(None).rows()] == ["local-model"]


@pytest.mark.parametrize(
    ("requests", "words"),
    [
        ([], "at least one request"),
        ([{"custom_id": "a", "params": chat_body(0)}] * 2, "used twice"),
        ([{"custom_id": "a b", "params": chat_body(0)}], "custom_id"),
        ([{"custom_id": "a", "params": {**chat_body(0), "stream": True}}], "cannot stream"),
        ([{"custom_id": "a", "params": {"model": "m", "messages": []}}], "requests[0]"),
        ([{"custom_id": "a", "params": chat_body(0), "priority": 1}],
         "requests[0]: priority: unknown field"),
    ],
)  # fmt: skip
def test_a_bad_message_batch_is_a_400(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
    requests: list[dict[str, object]],
    words: str,
) -> None:
    with (
        anthropic.Anthropic(base_url=gateway[0].url, api_key="k", max_retries=0) as client,
        pytest.raises(anthropic.BadRequestError) as caught,
    ):
        client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
    assert caught.value.status_code == 400 and words in str(caught.value)


def test_fields_the_apis_do_not_define_are_400s_naming_them(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    # they were dropped in silence: a client's typo ran a batch without what it meant
    gw = gateway[0]
    with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as claude:
        with pytest.raises(anthropic.BadRequestError) as refused:
            claude.messages.batches.create(
                requests=[{"custom_id": "a", "params": chat_body(0, "local-model")}],  # type: ignore[list-item]
                extra_body={"priority": "high"},
            )
        assert "priority: unknown field" in str(refused.value)
        assert list(claude.messages.batches.list()) == []
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client:
        good = client.files.create(file=("a.jsonl", openai_lines(1)), purpose="batch")
        args = {"endpoint": "/v1/chat/completions", "completion_window": "24h"}
        with pytest.raises(openai.BadRequestError) as caught:
            client.batches.create(input_file_id=good.id, extra_body={"windw": 1}, **args)  # type: ignore[arg-type]
        assert caught.value.param == "windw" and "unknown field" in caught.value.message
        extra = openai_line("a").replace(b'"custom_id"', b'"timeout": 5, "custom_id"')
        bad = client.files.create(file=("b.jsonl", extra), purpose="batch")
        with pytest.raises(openai.BadRequestError) as caught:
            client.batches.create(input_file_id=bad.id, **args)  # type: ignore[arg-type]
        assert "input file line 1: timeout: unknown field" in caught.value.message
        assert list(client.batches.list()) == []


def test_unknown_ids_are_404s_in_each_providers_shape(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw = gateway[0]
    with (
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as claude,
        pytest.raises(anthropic.NotFoundError),
    ):
        claude.messages.batches.retrieve("msgbatch_nope")
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client:
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch_nope")
        with pytest.raises(openai.NotFoundError) as caught:
            client.batches.create(input_file_id="file-nope", endpoint="/v1/chat/completions",
                                  completion_window="24h")  # fmt: skip
        assert caught.value.param == "input_file_id"
        with pytest.raises(openai.NotFoundError):
            client.files.content("file-nope")


def test_both_sdks_list_batches_newest_first_and_page(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw = gateway[0]
    with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client:
        made = [
            client.messages.batches.create(
                requests=[{"custom_id": "a", "params": chat_body(n, "local-model")}]  # type: ignore[typeddict-item]
            ).id
            for n in range(3)
        ]
        first = client.messages.batches.list(limit=2)
        assert [b.id for b in first.data] == made[::-1][:2] and first.has_more
        assert [b.id for b in client.messages.batches.list(limit=2)] == made[::-1]  # all pages
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as oai:
        assert oai.batches.list().data == []  # Anthropic batches are not OpenAI's


SCHEMA = {"type": "object", "properties": {"command": {"type": "string"}},
          "required": ["command"]}  # fmt: skip
PRINTED = '<tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}}</tool_call>'


def test_an_item_with_tools_gets_the_local_tool_review(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw, local, _ = gateway
    local.push(Reply(PRINTED, stop_reason="end_turn"))  # the call printed as text
    tools = [{"name": "Bash", "description": "Run", "input_schema": SCHEMA}]
    params = {**chat_body(0, "local-model"), "max_tokens": 50, "tools": tools}
    with anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client:
        requests = [{"custom_id": "t", "params": params}]
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        wait_for(lambda: client.messages.batches.retrieve(batch.id).processing_status == "ended")
        (line,) = list(client.messages.batches.results(batch.id))
    assert line.result.type == "succeeded"
    blocks = line.result.message.content
    assert [b.type for b in blocks] == ["tool_use"]
    assert blocks[0].input == {"command": "ls -la"}  # type: ignore[union-attr]
    (row,) = open_store(None).rows()
    assert row.tool_repairs == 1 and row.tool_retries == 0  # recovered, counted in its row


def _dribble(url: str, pieces: list[bytes], boundary: str) -> bytes:
    """POST a multipart body over a raw socket, one piece at a time with a pause between,
    so the server's reads come back short; returns the whole response."""
    host, port = url.removeprefix("http://").split(":")
    total = sum(len(p) for p in pieces)
    head = (
        f"POST /v1/files HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer k\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {total}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(head)
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.1)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    return answer


def test_an_upload_that_arrives_in_short_pieces_is_stored_whole(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    """A read shorter than the boundary, then a long one: aiohttp's part reader hands the
    surplus back to the stream (its deprecated unread_data); the upload must still land."""
    gw, boundary = gateway[0], "b" * 40
    content = b"".join(json.dumps({"custom_id": f"i{n}"}).encode() + b"\n" for n in range(1500))
    assert len(content) > 3 * 8192
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="in.jsonl"\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    pieces = [head + content[:5], content[5:10], content[10:] + tail]
    answer = _dribble(gw.url, pieces, boundary)
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200"), answer[:400]
    uploaded = json.loads(body)
    assert uploaded["bytes"] == len(content) and uploaded["filename"] == "in.jsonl"
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client:
        assert client.files.content(uploaded["id"]).content == content


def test_the_openai_sdk_deletes_an_uploaded_file_and_not_an_output_file(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw = gateway[0]
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client:
        uploaded = client.files.create(file=("in.jsonl", openai_lines(2)), purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        deleted = client.files.delete(uploaded.id)
        assert deleted.id == uploaded.id and deleted.deleted is True
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(uploaded.id)
        with pytest.raises(openai.NotFoundError):
            client.files.delete(uploaded.id)  # gone: a second delete finds nothing
        done = wait_for(lambda: (b := client.batches.retrieve(batch.id)).completed_at and b)
        assert done.request_counts is not None and done.request_counts.completed == 2
        assert done.output_file_id is not None
        with pytest.raises(openai.BadRequestError) as caught:
            client.files.delete(done.output_file_id)
        assert batch.id in caught.value.message and caught.value.param == "id"
        assert len(client.files.content(done.output_file_id).text.splitlines()) == 2


def test_the_openai_sdk_lists_uploaded_files_newest_first_and_pages(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw = gateway[0]
    with openai.OpenAI(base_url=gw.openai_base_url, api_key="k", max_retries=0) as client:
        ids = [
            client.files.create(file=(f"in{n}.jsonl", openai_lines(1)), purpose="batch").id
            for n in range(3)
        ]
        first = client.files.list(limit=2)
        assert [f.id for f in first.data] == ids[:0:-1] and first.has_more
        assert [f.id for f in client.files.list(limit=2)] == ids[::-1]  # the SDK pages on
        assert [f.id for f in client.files.list(order="asc", after=ids[0])] == ids[1:]
        assert [f.filename for f in client.files.list(purpose="batch")] == [
            "in2.jsonl",
            "in1.jsonl",
            "in0.jsonl",
        ]
        assert list(client.files.list(purpose="batch_output")) == []
        client.files.delete(ids[1])
        assert [f.id for f in client.files.list()] == [ids[2], ids[0]]
        with pytest.raises(openai.BadRequestError) as caught:
            client.files.list(limit=0)
        assert caught.value.param == "limit"


def test_a_clients_batches_and_files_are_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # every key's client read, listed, cancelled and deleted every other key's batches and files
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alice:key-a,bob:key-b")
    with FakeOpenAI() as local, FakeAnthropic() as api:
        local.default = Reply("ok")
        text = FAKES_CONFIG.format(local=local.url, api=api.url) + "enabled = false\n"
        # no worker: the batches stay queued, so bob's cancel would have cancelled them
        with running_gateway(text) as gw:
            alice = openai.OpenAI(base_url=gw.openai_base_url, api_key="key-a", max_retries=0)
            bob = openai.OpenAI(base_url=gw.openai_base_url, api_key="key-b", max_retries=0)
            upload = alice.files.create(file=("in.jsonl", openai_lines(1)), purpose="batch")
            window = {"endpoint": "/v1/chat/completions", "completion_window": "24h"}
            batch = alice.batches.create(input_file_id=upload.id, **window)  # type: ignore[arg-type]
            for call in (
                lambda: bob.files.retrieve(upload.id),
                lambda: bob.files.content(upload.id),
                lambda: bob.files.delete(upload.id),
                lambda: bob.batches.retrieve(batch.id),
                lambda: bob.batches.cancel(batch.id),
                lambda: bob.batches.create(input_file_id=upload.id, **window),  # type: ignore[arg-type]
            ):
                with pytest.raises(openai.NotFoundError):
                    call()
            assert list(bob.files.list()) == [] and list(bob.batches.list()) == []
            claude = anthropic.Anthropic(base_url=gw.url, api_key="key-a", max_retries=0)
            mine = claude.messages.batches.create(
                requests=[{"custom_id": "a", "params": chat_body(0, "local-model")}]  # type: ignore[list-item]
            )
            other = anthropic.Anthropic(base_url=gw.url, api_key="key-b", max_retries=0)
            with pytest.raises(anthropic.NotFoundError):
                other.messages.batches.retrieve(mine.id)
            assert list(other.messages.batches.list()) == []
            assert [f.id for f in alice.files.list()] == [upload.id]
            assert alice.batches.retrieve(batch.id).status != "cancelled"
            assert [b.id for b in claude.messages.batches.list()] == [mine.id]
            for client in (alice, bob, claude, other):
                client.close()


def test_an_item_whose_backend_stays_down_errors_after_longer_and_longer_waits() -> None:
    # tries at 0, 0.5 and 1.5 s: waits of 0.5 then 1.0 (a fixed wait: 0.5 and 0.5)
    down = f"http://127.0.0.1:{free_port()}"
    batch = 'window = "00:00-24:00"\npoll_s = 0.02\nmax_attempts = 3\nretry_s = 0.5'
    with (
        running_gateway(llama_config(down, "local-model", batch=batch)) as gw,
        anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
    ):
        start = time.monotonic()
        made = client.messages.batches.create(
            requests=[{"custom_id": "a", "params": chat_body(0, "local-model")}]  # type: ignore[list-item]
        )
        done = wait_for(
            lambda: client.messages.batches.retrieve(made.id).processing_status == "ended"
        )
        elapsed = time.monotonic() - start
        (result,) = client.messages.batches.results(made.id)
    assert done and result.result.type == "errored"
    assert elapsed >= 1.45, elapsed


def test_an_item_nothing_can_run_ends_errored_at_once_not_after_the_window() -> None:
    # no worker runs here (enabled = false, as a closed window): the item waited for it
    with FakeOpenAI() as local, FakeAnthropic() as api:
        text = FAKES_CONFIG.format(local=local.url, api=api.url) + "enabled = false\n"
        with (
            running_gateway(text) as gw,
            anthropic.Anthropic(base_url=gw.url, api_key="k", max_retries=0) as client,
        ):
            made = client.messages.batches.create(
                requests=[
                    {"custom_id": "here", "params": chat_body(0, "local-model")},
                    {"custom_id": "nowhere", "params": chat_body(1, "claude-opus-4-1")},
                ]  # type: ignore[list-item]
            )
            counts = client.messages.batches.retrieve(made.id).request_counts
            assert (counts.errored, counts.processing) == (1, 1)
            client.messages.batches.cancel(made.id)
            results = {r.custom_id: r.result for r in client.messages.batches.results(made.id)}
    assert results["here"].type == "canceled" and results["nowhere"].type == "errored"
    assert "not served by a local backend" in results["nowhere"].error.error.message  # type: ignore[union-attr]
    assert local.requests == [] and api.requests == []


def test_list_pages_are_shaped_as_each_provider_writes_them(
    gateway: tuple[RunningGateway, FakeOpenAI, FakeAnthropic],
) -> None:
    gw = gateway[0]
    pages = {}
    for path in ("/v1/messages/batches", "/v1/batches", "/v1/files"):
        with urllib.request.urlopen(gw.url + path) as resp:
            pages[path] = json.loads(resp.read())
    assert "object" not in pages["/v1/messages/batches"]  # Anthropic's page has none
    assert pages["/v1/batches"]["object"] == pages["/v1/files"]["object"] == "list"
    assert all(set(p) >= {"data", "has_more", "first_id", "last_id"} for p in pages.values())
