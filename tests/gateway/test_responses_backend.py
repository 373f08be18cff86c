"""A backend that speaks OpenAI's Responses API (``format = "responses"``: OpenAI's own, where
its Responses-only models are): a Responses client passes through, the others are translated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import open_store
from fulcrum.testing.fakesconfig import with_responses_backend
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import HI, claude_client, openai_client, sse_events

SCHEMA = {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}
BASH = {"type": "function", "name": "Bash", "parameters": SCHEMA}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def gateway(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> Iterator[RunningGateway]:
    with running_gateway(with_responses_backend(fake_anthropic.url, fake_openai.url)) as gw:
        yield gw


def rows() -> list[Any]:
    store = open_store(None)
    try:
        return store.rows()
    finally:
        store.close()


@pytest.mark.parametrize("stream", [False, True])
def test_a_responses_client_passes_through(
    gateway: RunningGateway, fake_openai: FakeOpenAI, stream: bool
) -> None:
    fake_openai.push(Reply("straight through", input_tokens=40, output_tokens=3,
                           cache_read_tokens=10))  # fmt: skip
    client = openai_client(gateway)
    asked = {"model": "to-codex", "input": "hi", "include": ["reasoning.encrypted_content"]}
    if stream:
        with client.responses.stream(**asked) as s:  # type: ignore[arg-type]
            answer = s.get_final_response()
    else:
        answer = client.responses.create(**asked)  # type: ignore[arg-type]
    assert answer.output_text == "straight through"
    sent = fake_openai.requests[0]
    assert sent.path == "/v1/responses" and sent.body["input"] == "hi"
    assert sent.body["include"] == ["reasoning.encrypted_content"]  # as it came
    assert sent.body["model"] == "gpt-5.1-codex"
    gateway.stop()
    (row,) = rows()
    assert (row.input_tokens, row.cache_read_tokens, row.output_tokens) == (40, 10, 3)
    assert row.backend == "codex" and row.stream is stream and row.status == 200


@pytest.mark.parametrize("stream", [False, True])
def test_a_claude_client_gets_a_responses_backend_s_tool_call(
    gateway: RunningGateway, fake_openai: FakeOpenAI, stream: bool
) -> None:
    fake_openai.push(ToolCall("Bash", {"command": "ls"}, then="Listed: {result}"))
    claude = claude_client(gateway)
    tools = [{"name": "Bash", "description": "Run", "input_schema": SCHEMA}]
    asked: dict[str, Any] = {"model": "to-codex", "max_tokens": 64, "system": "Be brief.",
                             "messages": user("list"), "tools": tools}  # fmt: skip
    if stream:
        with claude.messages.stream(**asked) as s:
            message = s.get_final_message()
    else:
        message = claude.messages.create(**asked)
    use = next(b for b in message.content if b.type == "tool_use")
    assert use.name == "Bash" and use.input == {"command": "ls"}
    assert message.stop_reason == "tool_use"
    sent = fake_openai.requests[0].body
    assert sent["instructions"] == "Be brief." and sent["max_output_tokens"] == 64
    assert sent["tools"][0]["name"] == "Bash" and sent["store"] is False
    follow = [*asked["messages"], {"role": "assistant", "content": message.content},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                            "content": "a.txt"}]}]  # fmt: skip
    done = claude.messages.create(**{**asked, "messages": follow})
    assert done.content[0].type == "text" and done.content[0].text == "Listed: a.txt"
    output = fake_openai.requests[-1].body["input"][-1]
    assert output == {"type": "function_call_output", "call_id": use.id, "output": "a.txt"}


def test_a_chat_client_streams_from_a_responses_backend(
    gateway: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply("one two three", thinking="let me see", input_tokens=9,
                           output_tokens=5))  # fmt: skip
    chunks = list(openai_client(gateway).chat.completions.create(
        model="to-codex", messages=HI, stream=True, stream_options={"include_usage": True},  # type: ignore[arg-type]
    ))  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    reasoning = [
        getattr(c.choices[0].delta, "reasoning_content", None) for c in chunks if c.choices
    ]
    assert "".join(r for r in reasoning if r) == "let me see"  # OpenAI's summary, as reasoning


def test_a_cut_answer_and_a_refusal_keep_their_meaning(
    gateway: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply("cut", stop_reason="max_tokens"))
    message = claude_client(gateway).messages.create(
        model="to-codex",
        max_tokens=2,
        messages=HI,  # type: ignore[arg-type]
    )
    assert message.stop_reason == "max_tokens"
    assert json.loads(fake_openai.requests[0].raw)["max_output_tokens"] == 2


def test_a_passed_through_stream_cut_by_the_backend_ends_in_an_error_event(
    gateway: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply("one two three four five six", cut_after=4))
    events = sse_events(gateway, "/v1/responses", {"model": "to-codex", "input": "hi",
                                                   "stream": True})  # fmt: skip
    name, data = events[-1]
    error = json.loads(data)
    assert name == "error" and error["code"] == "server_error" and error["message"]
    numbers = [json.loads(d)["sequence_number"] for _, d in events]
    assert numbers == list(range(len(events)))  # the error follows the last event it got
    gateway.stop()
    (row,) = rows()
    assert row.status == 502 and "stream broke" in (row.error or "")
