"""Tool use on a local route: text-printed calls recovered, bad arguments retried once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.gateway import meter
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway
from fulcrum.wire.sse import SSEEvent, json_event
from fulcrum.wire.validate import check_anthropic_stream

from ..helpers import HI, claude_client, legacy_call, openai_client, sse_events

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
ROW_DEFERRAL_S = 0.3
PRINTED = '<tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}}</tool_call>'


def openai_tool_stream(gw: RunningGateway) -> list[ChatCompletionChunk]:
    """An OpenAI client's streamed ``qwen-coder`` call offering the Bash tool: every chunk."""
    tools = [{"type": "function", "function": {"name": "Bash", "parameters": SCHEMA}}]
    return list(
        openai_client(gw).chat.completions.create(
            model="qwen-coder",
            messages=HI,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
            stream=True,
        )
    )


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
    # the client is told both calls' usage too, as a stream tells it (and the ledger keeps)
    assert done.usage is not None and done.usage.completion_tokens == row.output_tokens
    assert done.usage.prompt_tokens == row.input_tokens


def test_openai_stream_on_a_local_route_is_re_emitted(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply(PRINTED))
    chunks = openai_tool_stream(local)
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    args = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(args) == {"command": "ls -la"}
    assert chunks[-1].choices and chunks[-1].choices[0].finish_reason == "tool_calls"


WORDS = " ".join(f"word{i}" for i in range(18))


def stream(gw: RunningGateway, **extra: Any) -> list[dict[str, Any]]:
    """A raw streaming /v1/messages call with TOOLS; its events, checked for well-formedness."""
    body = {"model": "qwen-coder", "max_tokens": 100, "messages": HI, "tools": TOOLS, **extra}
    pairs = sse_events(gw, "/v1/messages", {**body, "stream": True})
    return check_anthropic_stream([SSEEvent(name, data) for name, data in pairs])


def test_text_streams_while_the_local_model_generates(
    local: RunningGateway, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acceptance: a ~2 s answer (text, then a tool call) reaches the client as it is made."""
    # The row is built ROW_DEFERRAL_S after the call ends: a duration that ran until the row
    # was built would be that much longer than the client's wait, far past thread scheduling.
    monkeypatch.setattr(meter, "FLUSH_AFTER_S", ROW_DEFERRAL_S)
    fake_openai.push(ToolCall("Bash", {"command": "ls -la"}, text=WORDS, chunk_delay=0.08))
    client = claude_client(local)
    started = time.perf_counter()
    first_text: float | None = None
    events = []
    with client.messages.create(
        model="qwen-coder",
        max_tokens=200,
        messages=HI,  # type: ignore[arg-type]
        tools=TOOLS,  # type: ignore[arg-type]
        stream=True,
    ) as stream:
        for event in stream:
            if first_text is None and event.type == "content_block_delta":
                first_text = time.perf_counter()
            events.append(event)
    elapsed_ms = (time.perf_counter() - started) * 1000
    upstream_first = next(t for t, chunk in fake_openai.chunk_log if b"word0" in chunk)
    upstream_last = fake_openai.chunk_log[-1][0]
    assert upstream_last - upstream_first > 1.5  # the backend really took its time
    assert first_text is not None
    lag_ms = (first_text - upstream_first) * 1000
    assert lag_ms < 50
    check_anthropic_stream([json_event(e.model_dump(exclude_none=True)) for e in events])
    calls = [e.content_block for e in events if e.type == "content_block_start"]
    assert [c.type for c in calls] == ["text", "tool_use"]
    time.sleep(ROW_DEFERRAL_S * 2)  # the row is built before the gateway stops
    local.stop()
    row = open_store(None).rows()[0]
    assert row.stream and row.ttft_ms is not None and row.ttft_ms < 500
    # The gateway's clock starts after the client's and stops at the last byte, give or
    # take a thread switch: never as late as the deferred row was built.
    assert 1500 < (row.duration_ms or 0) < elapsed_ms + ROW_DEFERRAL_S * 1000 / 2
    assert row.input_tokens > 0 and row.output_tokens > 0


def test_a_retry_mid_stream_keeps_the_stream_well_formed(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    retry = ToolCall("Bash", {"command": "ls"}, text="Retrying.")
    fake_openai.push(ToolCall("Bash", {"cmd": 5}, text="Let me look.", then=retry))
    events = stream(local)
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    assert text == "Let me look.Retrying."  # nothing shown twice
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [(e["index"], e["content_block"]["type"]) for e in starts] == [
        (0, "text"),
        (1, "text"),
        (2, "tool_use"),
    ]
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    assert len(fake_openai.requests) == 2 and fake_openai.requests[1].body["stream"] is True
    local.stop()
    row = open_store(None).rows()[0]
    assert (row.tool_retries, row.tool_repairs) == (1, 0)


def test_forced_tool_choice_on_a_stream(local: RunningGateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply("I would rather not."), ToolCall("Bash", {"command": "ls"}))
    events = stream(local, tool_choice={"type": "tool", "name": "Bash"})
    assert "rather not" not in json.dumps(events)  # the rejected answer was never shown
    assert [e["content_block"]["name"] for e in events if "content_block" in e] == ["Bash"]
    system = fake_openai.requests[0].body["messages"][0]["content"]
    assert "calling the tool `Bash`" in json.dumps(system)


def test_tool_choice_none_is_relayed_unchecked(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply(PRINTED))
    events = stream(local, tool_choice={"type": "none"})
    assert "<tool_call>" in json.dumps(events)  # plain relay: the printed call stays text
    local.stop()
    assert open_store(None).rows()[0].tool_repairs == 0


def test_a_stream_cut_mid_answer_ends_with_an_error_event(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(ToolCall("Bash", {"command": "ls"}, text=WORDS, cut_after=6))
    events = stream(local)
    assert events[-1]["type"] == "error"
    assert not any(e.get("content_block", {}).get("type") == "tool_use" for e in events)
    local.stop()
    row = open_store(None).rows()[0]
    assert row.status == 502 and row.error


ANTHROPIC_LOCAL = LOCAL.replace('format = "openai"', 'format = "anthropic"')


def test_an_anthropic_format_local_backend_streams_through_the_review(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.push(ToolCall("Bash", {"command": "ls"}, text="Listing.", chunk_delay=0.01))
    with running_gateway(ANTHROPIC_LOCAL.format(url=fake_anthropic.url)) as gw:
        events = stream(gw)
    assert fake_anthropic.requests[0].body["stream"] is True
    blocks = [e["content_block"]["type"] for e in events if "content_block" in e]
    assert blocks == ["text", "tool_use"]
    assert events[0]["message"]["model"] == "qwen-coder"


def test_a_retry_the_backend_refuses_ends_the_stream_with_an_error(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    refused = Fail(400, "context window exceeded")
    fake_openai.push(ToolCall("Bash", {"cmd": 5}, text="Let me look.", then=refused))
    events = stream(local)
    assert events[-1]["type"] == "error"
    assert "context window exceeded" in events[-1]["error"]["message"]
    local.stop()
    row = open_store(None).rows()[0]
    assert row.status == 502 and row.tool_retries == 1


def test_an_openai_stream_with_a_retry(local: RunningGateway, fake_openai: FakeOpenAI) -> None:
    retry = ToolCall("Bash", {"command": "ls"}, text="Retrying.")
    fake_openai.push(ToolCall("Bash", {"cmd": 5}, text="Let me look.", then=retry))
    chunks = openai_tool_stream(local)
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert "".join(d.content or "" for d in deltas) == "Let me look.Retrying."
    calls = [tc for d in deltas for tc in d.tool_calls or []]
    assert {tc.index for tc in calls} == {0}
    assert json.loads("".join(tc.function.arguments or "" for tc in calls if tc.function)) == {
        "command": "ls"
    }
    assert chunks[-1].choices and chunks[-1].choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize("stream", [False, True])
def test_a_legacy_functions_client_gets_its_call_on_a_local_route(
    local: RunningGateway, fake_openai: FakeOpenAI, stream: bool
) -> None:
    """A local server (llama.cpp's among them) takes OpenAI's deprecated ``functions``
    without a word and never offers them to the model: the gateway sends them as tools, one
    call a turn, and gives the call back as ``function_call``, the shape the client reads."""
    fake_openai.push(ToolCall("Bash", {"command": "ls"}, then="Listed: {result}"))
    client = openai_client(local)
    functions = [{"name": "Bash", "description": "Run a command", "parameters": SCHEMA}]
    asked = client.chat.completions.create(
        model="qwen-coder",
        messages=HI,  # type: ignore[arg-type]
        functions=functions,  # type: ignore[arg-type]
        stream=stream,
    )
    name, args, finish = legacy_call(asked, stream=stream)
    assert name == "Bash" and json.loads(args) == {"command": "ls"}
    assert finish == ["function_call"]
    sent = fake_openai.requests[0].body
    assert "functions" not in sent and sent["tools"][0]["function"]["name"] == "Bash"
    assert sent["parallel_tool_calls"] is False
    follow = [
        *HI,
        {"role": "assistant", "content": None, "function_call": {"name": name, "arguments": args}},
        {"role": "function", "name": "Bash", "content": "a.txt"},
    ]
    done = client.chat.completions.create(
        model="qwen-coder",
        messages=follow,  # type: ignore[arg-type]
        functions=functions,  # type: ignore[arg-type]
    )
    assert done.choices[0].finish_reason == "stop" and done.choices[0].message.function_call is None
    # the legacy call and its result reach the local server as a tool call and its answer
    answered = fake_openai.requests[-1].body["messages"]
    call = answered[1]["tool_calls"][0]
    assert call["function"] == {"name": "Bash", "arguments": args}
    assert answered[2] == {"role": "tool", "tool_call_id": call["id"], "content": "a.txt"}


def test_legacy_functions_the_client_forbids_are_sent_as_they_came(
    local: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    """``function_call: "none"``: nothing to call, nothing to review; the body goes as is."""
    fake_openai.push(Reply("no call"))
    functions = [{"name": "Bash", "parameters": SCHEMA}]
    done = openai_client(local).chat.completions.create(
        model="qwen-coder",
        messages=HI,  # type: ignore[arg-type]
        functions=functions,  # type: ignore[arg-type]
        function_call="none",
    )
    assert done.choices[0].message.content == "no call"
    assert fake_openai.requests[0].body["functions"] == functions


@pytest.mark.parametrize("stream", [False, True])
def test_a_responses_client_gets_the_printed_call_recovered(
    local: RunningGateway, fake_openai: FakeOpenAI, stream: bool
) -> None:
    """OpenAI's Responses API on a local route takes the same review: the call the model
    printed as text reaches the client as a ``function_call`` item."""
    fake_openai.push(Reply(PRINTED))
    client = openai_client(local)
    tool = {"type": "function", "name": "Bash", "parameters": SCHEMA}
    if stream:
        with client.responses.stream(model="qwen-coder", input="list", tools=[tool]) as s:  # type: ignore[list-item]
            answer = s.get_final_response()
    else:
        answer = client.responses.create(model="qwen-coder", input="list", tools=[tool])  # type: ignore[list-item]
    calls = [item for item in answer.output if item.type == "function_call"]
    assert len(calls) == 1 and json.loads(calls[0].arguments) == {"command": "ls -la"}
    assert "tool_call" not in answer.output_text  # the printed call is not shown as text
    local.stop()
    assert open_store(None).rows()[0].tool_repairs == 1
