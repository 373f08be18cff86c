"""The real gateway against the fake upstreams, driven by the official SDKs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anthropic
import openai
import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import LedgerRow, open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import claude_client, legacy_call, openai_client, post_json

TOOLS_ANTHROPIC = [
    {
        "name": "Bash",
        "description": "Run a shell command",
        "input_schema": {
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
        },
    }
]
TOOLS_OPENAI = [
    {
        "type": "function",
        "function": {
            "name": "Bash",
            "description": "Run a shell command",
            "parameters": TOOLS_ANTHROPIC[0]["input_schema"],
        },
    }
]
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text) as gw:
        yield gw


def ledger_rows() -> list[LedgerRow]:
    store = open_store(None)
    try:
        return store.rows()
    finally:
        store.close()


def claude(gw: RunningGateway) -> anthropic.Anthropic:
    return claude_client(gw)


def gpt(gw: RunningGateway) -> openai.OpenAI:
    return openai_client(gw)


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "to-openai"])
def test_anthropic_sdk_json_and_stream(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.push(Reply("first answer", output_tokens=5), Reply("second answer", output_tokens=7))
    client = claude(gateway)
    msg = client.messages.create(model=model, max_tokens=64, messages=HI)
    assert msg.content[0].type == "text" and msg.content[0].text == "first answer"
    assert msg.usage.output_tokens == 5
    with client.messages.stream(model=model, max_tokens=64, messages=HI) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "second answer"
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 7
    gateway.stop()
    rows = ledger_rows()
    assert [r.stream for r in rows] == [False, True]
    expected = "claude" if model.startswith("claude") else "gpt"
    assert {r.backend for r in rows} == {expected}
    assert [r.output_tokens for r in rows] == [5, 7]
    assert all(r.input_tokens > 0 and r.cost_usd is not None for r in rows)
    assert rows[1].ttft_ms is not None and rows[1].ttft_ms > 0


@pytest.mark.parametrize("model", ["gpt-4o-mini", "to-claude"])
def test_openai_sdk_json_and_stream(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.push(Reply("plain", output_tokens=3), Reply("streamed words here", output_tokens=4))
    client = gpt(gateway)
    done = client.chat.completions.create(model=model, messages=HI)  # type: ignore[arg-type]
    assert done.choices[0].message.content == "plain"
    assert done.usage is not None and done.usage.completion_tokens == 3
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=HI,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed words here"
    usage = [c.usage for c in chunks if c.usage is not None]
    assert usage and usage[-1].completion_tokens == 4
    gateway.stop()
    rows = ledger_rows()
    assert [r.endpoint for r in rows] == ["/v1/chat/completions"] * 2
    assert [r.output_tokens for r in rows] == [3, 4]


@pytest.mark.parametrize("stream", [False, True])
def test_several_choices_are_refused_where_a_translation_gives_one(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, stream: bool
) -> None:
    """``n`` = 2 to Claude: a 400 naming ``n`` (it was one choice in silence), nothing sent;
    to an OpenAI-format backend it passes through; ``n`` = 1 goes anywhere."""
    client = gpt(gateway)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="claude-sonnet-4-6", messages=HI, n=2,  # type: ignore[arg-type]
                                       stream=stream)  # fmt: skip
    assert caught.value.param == "n" and "2 choices" in caught.value.message
    assert fake_anthropic.requests == []
    fake_anthropic.push(Reply("one"))
    one = client.chat.completions.create(model="claude-sonnet-4-6", messages=HI, n=1)  # type: ignore[arg-type]
    assert one.choices[0].message.content == "one"
    fake_openai.push(Reply("passed"))
    client.chat.completions.create(model="to-openai", messages=HI, n=2)  # type: ignore[arg-type]
    assert fake_openai.requests[-1].body["n"] == 2


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "to-openai"])
def test_anthropic_tool_call_round_trip(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.push(ToolCall("Bash", {"command": "echo hi"}, then="It printed {result}"))
    client = claude(gateway)
    with client.messages.stream(
        model=model,
        max_tokens=64,
        messages=HI,
        tools=TOOLS_ANTHROPIC,  # type: ignore[arg-type]
    ) as stream:
        first = stream.get_final_message()
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "Bash" and call.input == {"command": "echo hi"}
    follow = [
        *HI,
        {"role": "assistant", "content": [b.model_dump() for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "hi"}],
        },
    ]
    answer = client.messages.create(
        model=model,
        max_tokens=64,
        messages=follow,
        tools=TOOLS_ANTHROPIC,  # type: ignore[arg-type]
    )
    assert answer.content[0].type == "text" and answer.content[0].text == "It printed hi"


@pytest.mark.parametrize("model", ["gpt-4o-mini", "to-claude"])
def test_openai_tool_call_round_trip(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.push(ToolCall("Bash", {"command": "ls"}, then="Listed: {result}"))
    client = gpt(gateway)
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=HI,  # type: ignore[arg-type]
            tools=TOOLS_OPENAI,  # type: ignore[arg-type]
            stream=True,
        )
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    call_id = next(tc.id for tc in calls if tc.id)
    args = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(args) == {"command": "ls"}
    assert any(c.choices and c.choices[0].finish_reason == "tool_calls" for c in chunks)
    follow = [
        *HI,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": "Bash", "arguments": args}}
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": "a.txt"},
    ]
    done = client.chat.completions.create(
        model=model,
        messages=follow,
        tools=TOOLS_OPENAI,  # type: ignore[arg-type]
    )
    assert done.choices[0].message.content == "Listed: a.txt"


@pytest.mark.parametrize("stream", [False, True])
def test_openai_legacy_functions_round_trip_on_a_claude_route(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, stream: bool
) -> None:
    """A client on the deprecated ``functions`` API gets its call back as ``function_call``
    (the SDK's ``message.function_call``), not as ``tool_calls`` it does not read."""
    fake_anthropic.push(ToolCall("Bash", {"command": "ls"}, then="Listed: {result}"))
    client = gpt(gateway)
    functions = [TOOLS_OPENAI[0]["function"]]
    asked = client.chat.completions.create(
        model="to-claude",
        messages=HI,  # type: ignore[arg-type]
        functions=functions,  # type: ignore[arg-type]
        stream=stream,
    )
    name, args, finish = legacy_call(asked, stream=stream)
    assert name == "Bash" and json.loads(args) == {"command": "ls"}
    assert finish == ["function_call"]
    tool_choice = fake_anthropic.requests[0].body["tool_choice"]
    assert tool_choice == {"type": "auto", "disable_parallel_tool_use": True}
    follow = [
        *HI,
        {"role": "assistant", "content": None, "function_call": {"name": name, "arguments": args}},
        {"role": "function", "name": "Bash", "content": "a.txt"},
    ]
    done = client.chat.completions.create(
        model="to-claude",
        messages=follow,  # type: ignore[arg-type]
        functions=functions,  # type: ignore[arg-type]
    )
    assert done.choices[0].finish_reason == "stop" and done.choices[0].message.function_call is None
    # the legacy call and its result reach Claude as a tool_use and the tool_result answering it
    sent = fake_anthropic.requests[-1].body["messages"]
    use, result = sent[1]["content"][0], sent[2]["content"][0]
    assert use["type"] == "tool_use" and use["name"] == "Bash" and use["input"] == {"command": "ls"}
    assert result == {"type": "tool_result", "tool_use_id": use["id"], "content": "a.txt"}


def test_openai_stream_without_include_usage_gets_no_usage_chunk(
    gateway: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply("quiet usage", output_tokens=6))
    chunks = list(
        openai_client(gateway).chat.completions.create(
            model="gpt-4o-mini",
            messages=HI,  # type: ignore[arg-type]
            stream=True,
        )
    )
    assert chunks and all(c.choices for c in chunks)  # no usage-only chunk
    assert fake_openai.requests[0].body["stream_options"] == {"include_usage": True}
    gateway.stop()
    assert ledger_rows()[0].output_tokens == 6  # the gateway still metered it


def test_claude_code_style_request_passes_query_and_beta_headers(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 128000,
        "stream": True,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": []},
        "metadata": {"user_id": json.dumps({"session_id": "sess-42"})},
    }
    headers = {"anthropic-beta": "a-2025,b-2026", "anthropic-version": "2023-06-01"}
    status, _, raw = post_json(gateway, "/v1/messages?beta=true", body, headers)
    assert status == 200 and b"message_stop" in raw
    seen = fake_anthropic.requests[-1]
    assert seen.query == {"beta": "true"}
    assert seen.headers["anthropic-beta"] == "a-2025,b-2026"
    assert seen.body["context_management"] == {"edits": []}  # passed through untouched
    assert "x-api-key" not in seen.headers  # no client credentials go upstream
    # a field the provider refuses: its own 400 comes back, provider-shaped, not a crash
    status, _, raw = post_json(gateway, "/v1/messages", {**body, "future_field": 1}, headers)
    assert status == 400 and b"future_field" in raw
    gateway.stop()
    rows = ledger_rows()
    assert rows[0].session == "sess-42" and rows[1].status == 400


def test_a_local_models_reasoning_does_not_break_the_session_on_claude(
    gateway: RunningGateway, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    """A local (OpenAI-format) model's reasoning reaches the Anthropic client as a thinking
    block with an empty signature; when the session's next turn goes to Claude, which refuses
    unsigned thinking and blank text, those blocks are dropped and the rest goes as sent."""
    fake_openai.push(Reply("Use ls.", thinking="The user wants files.", output_tokens=3))
    client = claude_client(gateway)
    first = client.messages.create(model="to-openai", max_tokens=50, messages=HI)
    assert [b.type for b in first.content] == ["thinking", "text"]
    assert first.content[0].signature == ""  # type: ignore[union-attr]
    blank = {"type": "text", "text": "\n\n"}  # a local model's newlines before its answer
    said = [blank, *(b.model_dump() for b in first.content)]
    history = [*HI, {"role": "assistant", "content": said},
               {"role": "user", "content": "and hidden ones?"}]  # fmt: skip
    second = client.messages.create(model="claude-sonnet-4-6", max_tokens=50, messages=history)
    assert second.stop_reason == "end_turn"
    sent = fake_anthropic.requests[-1].body["messages"]
    assert [(b["type"], b["text"]) for b in sent[1]["content"]] == [("text", "Use ls.")]
    assert sent[0] == HI[0] and sent[2]["content"] == "and hidden ones?"
