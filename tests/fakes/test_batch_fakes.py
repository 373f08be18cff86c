"""The fakes' batch APIs read by the official SDKs: a batch is in progress until its polls
are spent (or the test ends it), then every request is answered from the script."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Hang, Reply


def _params(text: str) -> dict[str, object]:
    return {"model": "claude-sonnet-4-6", "max_tokens": 8,
            "messages": [{"role": "user", "content": text}]}  # fmt: skip


def test_anthropic_message_batch_ends_after_its_polls_with_each_kind_of_result() -> None:
    with FakeAnthropic() as fake:
        fake.batches.book.end_after_polls = 2
        fake.push(Reply("one"), Fail(400, "bad prompt"), Hang())
        requests = [{"custom_id": f"r{i}", "params": _params(f"hi {i}")} for i in range(3)]
        with anthropic.Anthropic(base_url=fake.url, api_key="k", max_retries=0) as client:
            made = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
            assert made.processing_status == "in_progress" and made.results_url is None
            assert made.request_counts.processing == 3
            polls = [client.messages.batches.retrieve(made.id) for _ in range(3)]
            assert [p.processing_status for p in polls] == ["in_progress"] * 2 + ["ended"]
            ended = polls[-1]
            counts = ended.request_counts
            assert (counts.succeeded, counts.errored, counts.expired) == (1, 1, 1)
            assert ended.results_url == f"{fake.url}/v1/messages/batches/{made.id}/results"
            results = {r.custom_id: r.result for r in client.messages.batches.results(made.id)}
            with pytest.raises(anthropic.NotFoundError) as missing:
                client.messages.batches.retrieve("msgbatch_nope")
    assert missing.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    ok, bad, late = results["r0"], results["r1"], results["r2"]
    assert ok.type == "succeeded" and ok.message.content[0].text == "one"  # type: ignore[union-attr]
    assert ok.message.usage.output_tokens > 0
    assert bad.type == "errored" and bad.error.error.type == "invalid_request_error"
    assert bad.error.error.message == "bad prompt"
    assert late.type == "expired"
    assert fake.batches.book.created == [made.id]


def test_anthropic_batch_params_are_checked_like_messages() -> None:
    with (
        FakeAnthropic() as fake,
        anthropic.Anthropic(base_url=fake.url, api_key="k", max_retries=0) as client,
        pytest.raises(anthropic.BadRequestError) as caught,
    ):
        client.messages.batches.create(
            requests=[{"custom_id": "a", "params": {"model": "m", "messages": []}}]  # type: ignore[typeddict-item]
        )
    assert "max_tokens: Field required" in str(caught.value)
    assert fake.batches.book.created == []


def _lines(n: int) -> bytes:
    return b"".join(
        json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                    "body": {"model": "gpt-5.1", "messages": [{"role": "user", "content": "x"}]}}
                   ).encode() + b"\n"
        for i in range(n)
    )  # fmt: skip


def test_openai_batch_writes_output_and_error_files_and_expires() -> None:
    with FakeOpenAI() as fake:
        fake.batches.book.hold()
        fake.push(Reply("one"), Fail(400, "bad prompt"), Hang())
        with openai.OpenAI(base_url=fake.url + "/v1", api_key="k", max_retries=0) as client:
            upload = client.files.create(file=("in.jsonl", _lines(3)), purpose="batch")
            assert upload.purpose == "batch" and upload.bytes == len(_lines(3))
            made = client.batches.create(input_file_id=upload.id, completion_window="24h",
                                         endpoint="/v1/chat/completions")  # fmt: skip
            assert made.status == "validating"
            assert client.batches.retrieve(made.id).status == "in_progress"
            fake.batches.book.end_all()
            ended = client.batches.retrieve(made.id)
            assert ended.status == "expired" and ended.expired_at is not None
            assert ended.request_counts is not None
            assert (ended.request_counts.completed, ended.request_counts.failed) == (1, 2)
            assert ended.output_file_id and ended.error_file_id
            out = [
                json.loads(x) for x in client.files.content(ended.output_file_id).text.splitlines()
            ]
            errors = client.files.content(ended.error_file_id).text.splitlines()
            with pytest.raises(openai.NotFoundError):
                client.batches.retrieve("batch_nope")
    (line,) = out
    completion = openai.types.chat.ChatCompletion.model_validate(line["response"]["body"])
    assert line["custom_id"] == "r0" and completion.choices[0].message.content == "one"
    bad, late = (json.loads(x) for x in errors)
    assert bad["response"]["status_code"] == 400 and bad["error"] is None
    assert bad["response"]["body"]["error"]["message"] == "bad prompt"
    assert late["response"] is None and late["error"]["code"] == "batch_expired"
