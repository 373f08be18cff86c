"""Tool use on a local route: text-printed calls recovered, bad arguments retried once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fulcrum.fakes import FakeOpenAI, Reply, ToolCall
from fulcrum.gateway.testing import RunningGateway, running_gateway
from fulcrum.ledger import open_store

from .helpers import HI, claude_client, openai_client

LOCAL = """
[backends.box]
format = "openai"
base_url = "{url}"
kind = "local"
models = ["qwen-coder"]

[routes]
default = "box"
"""
SCHEMA = {
    "type": "object",
    "properties": {"command": {"type": "string"}},
    "required": ["command"],
}
TOOLS = [{"name": "Bash", "description": "Run a command", "input_schema": SCHEMA}]
PRINTED = '<tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}}</tool_call>'


@pytest.fixture
def local(fake_openai: FakeOpenAI) -> Iterator[RunningGateway]:
    with running_gateway(LOCAL.format(url=fake_openai.url)) as gw:
        yield gw


def test_printed_call_is_recovered_and_streamed(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply(PRINTED, stop_reason="end_turn"))
    client = claude_client(local)
    with client.messages.stream(
        model="qwen-coder",
        max_tokens=50,
        messages=HI,  # type: ignore[arg-type]
        tools=TOOLS,  # type: ignore[arg-type]
    ) as stream:
        final = stream.get_final_message()
    calls = [b for b in final.content if b.type == "tool_use"]
    assert len(calls) == 1 and calls[0].name == "Bash"
    assert calls[0].input == {"command": "ls -la"}
    assert fake_openai.requests[0].body["stream"] is True  # reviewed while streaming
    local.stop()
    row = open_store(None).rows()[0]
    assert row.tool_repairs == 1 and row.tool_retries == 0
    assert row.backend_kind == "local"


def test_invalid_arguments_are_retried_once_with_the_error(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(ToolCall("Bash", {"cmd": 5}, then="Sorry, fixed."))
    client = openai_client(local)
    tools = [{"type": "function", "function": {"name": "Bash", "parameters": SCHEMA}}]
    done = client.chat.completions.create(
        model="qwen-coder",
        messages=HI,  # type: ignore[arg-type]
        tools=tools,  # type: ignore[arg-type]
    )
    assert done.choices[0].message.content == "Sorry, fixed."
    assert len(fake_openai.requests) == 2
    retry = json.dumps(fake_openai.requests[1].body["messages"])
    assert "command" in retry  # the validation error went back to the model
    local.stop()
    row = open_store(None).rows()[0]
    assert row.tool_retries == 1
    assert row.output_tokens > 0  # both calls' tokens are counted


def test_openai_stream_on_a_local_route_is_re_emitted(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply(PRINTED))
    tools = [{"type": "function", "function": {"name": "Bash", "parameters": SCHEMA}}]
    chunks = list(
        openai_client(local).chat.completions.create(
            model="qwen-coder",
            messages=HI,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
            stream=True,
        )
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    args = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(args) == {"command": "ls -la"}
    assert chunks[-1].choices and chunks[-1].choices[0].finish_reason == "tool_calls"
