"""Cascade mode: local first, verified; the frontier only when the check fails."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import LedgerRow
from fulcrum.testing.gateway import running_gateway
from fulcrum.wire.sse import SSEEvent
from fulcrum.wire.validate import check_anthropic_stream

from ..helpers import claude_client, openai_client, post_json, sse_events
from .helpers import brain_config, ledger_rows, user

CASCADE = """
[policy]
otherwise = "frontier"
[[policy.rules]]
name = "try-local"
route = "local"
cascade = true
"""
BUDGET = CASCADE + "[policy.budget]\ndaily_usd = 0.000001\n"
SCHEMA = {
    "type": "object",
    "properties": {"command": {"type": "string"}},
    "required": ["command"],
}
TOOLS = [{"name": "Bash", "description": "Run a command", "input_schema": SCHEMA}]
OPENAI_TOOLS = [{"type": "function", "function": {"name": "Bash", "parameters": SCHEMA}}]
INVALID_TWICE = ToolCall("Bash", {"cmd": 5}, then=ToolCall("Bash", {"cmd": 6}))
UNDECLARED = ToolCall("Bash", {"cmd": 5}, then=ToolCall("Deploy", {"env": "prod"}))
GOOD = ToolCall("Bash", {"command": "ls"})
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
}


def _tools_body(*, stream: bool = False) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6", "max_tokens": 64, "messages": user("list files"),
        "tools": TOOLS, "stream": stream,
    }  # fmt: skip


def _decision(row: LedgerRow) -> dict[str, Any]:
    assert row.decision is not None
    data: dict[str, Any] = json.loads(row.decision)
    return data


def _only_row() -> LedgerRow:
    rows = ledger_rows()
    assert len(rows) == 1
    return rows[0]


def test_a_valid_tool_call_passes_and_the_frontier_is_never_asked(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(GOOD)
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        status, headers, raw = post_json(gw, "/v1/messages", _tools_body())
    assert status == 200 and headers["x-fulcrum-backend"] == "local"
    calls = [b for b in json.loads(raw)["content"] if b["type"] == "tool_use"]
    assert calls[0]["input"] == {"command": "ls"}
    assert fake_anthropic.requests == []
    row = _only_row()
    assert row.route_reason == "rule:try-local+cascade"
    assert row.backend_kind == "local" and row.output_tokens > 0
    decision = _decision(row)
    assert decision["cascade"] is True
    step = decision["cascade_step"]
    assert step["checks"] == ["tools"] and step["passed"] and step["frontier"] is None


def test_invalid_input_after_the_retry_goes_to_the_frontier(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(INVALID_TWICE)
    fake_anthropic.push(ToolCall("Bash", {"command": "ls -la"}, output_tokens=30))
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        reply = claude_client(gw).messages.create(**_tools_body())
    calls = [b for b in reply.content if b.type == "tool_use"]
    assert calls[0].input == {"command": "ls -la"}  # the frontier's answer
    assert len(fake_openai.requests) == 2  # the answer and its one retry
    assert len(fake_anthropic.requests) == 1
    row = _only_row()
    assert row.route_reason == "rule:try-local+cascade→frontier"  # no "→failover"
    assert row.backend == "frontier" and row.backend_kind == "api" and row.status == 200
    assert row.tool_retries == 1 and row.output_tokens == 30  # the frontier call's tokens
    assert [(a.backend, a.failed) for a in row.attempts] == [
        ("local", False), ("local", True), ("frontier", False),
    ]  # fmt: skip
    assert (row.attempts[1].reason or "").startswith("verification failed: tools (Bash)")
    step = _decision(row)["cascade_step"]
    assert step["passed"] is False and step["frontier"] == "answered"
    assert step["findings"][0]["check"] == "tools" and step["findings"][0]["tool"] == "Bash"
    assert "command" in step["findings"][0]["problem"]
    assert step["local"]["output_tokens"] > 0 and step["local"]["target"] == "local/qwen-local"


def test_an_undeclared_tool_streams_the_frontier_answer(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(UNDECLARED)
    fake_anthropic.push(Reply("the frontier's words"))
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        pairs = sse_events(gw, "/v1/messages", _tools_body(stream=True))
    events = check_anthropic_stream([SSEEvent(name, data) for name, data in pairs])
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    assert text == "the frontier's words"
    assert all(r.body.get("stream") is False for r in fake_openai.requests)  # buffered
    assert fake_anthropic.requests[0].body["stream"] is True  # the frontier's own stream
    row = _only_row()
    assert row.route_reason == "rule:try-local+cascade→frontier" and row.stream
    finding = _decision(row)["cascade_step"]["findings"][0]
    assert finding["tool"] == "Deploy" and "unknown tool" in finding["problem"]


def test_a_valid_local_answer_is_streamed_whole(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(GOOD)
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        pairs = sse_events(gw, "/v1/messages", _tools_body(stream=True))
    events = check_anthropic_stream([SSEEvent(name, data) for name, data in pairs])
    starts = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert [b["name"] for b in starts if b["type"] == "tool_use"] == ["Bash"]
    assert fake_anthropic.requests == []
    assert _only_row().route_reason == "rule:try-local+cascade"


def test_openai_client_gets_the_frontier_answer_in_its_format(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(INVALID_TWICE)
    fake_anthropic.push(ToolCall("Bash", {"command": "pwd"}))
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        done = openai_client(gw).chat.completions.create(
            model="claude-sonnet-4-6",
            messages=user("where am I"),  # type: ignore[arg-type]
            tools=OPENAI_TOOLS,  # type: ignore[arg-type]
        )
    call = (done.choices[0].message.tool_calls or [])[0]
    assert call.function.name == "Bash"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"command": "pwd"}  # type: ignore[union-attr]
    assert _only_row().route_reason == "rule:try-local+cascade→frontier"


def _json_ask(gw: Any, text: str = "answer") -> Any:
    return openai_client(gw).chat.completions.create(
        model="claude-sonnet-4-6",
        messages=user(text),  # type: ignore[arg-type]
        response_format={  # type: ignore[arg-type]
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": ANSWER_SCHEMA},
        },
    )


def test_an_answer_violating_the_json_schema_cascades(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply('{"answer": "forty-two"}'), Reply('{"answer": 42}'))
    fake_anthropic.push(Reply('{"answer": 42}'))
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        first = _json_ask(gw)
        second = _json_ask(gw, "answer again")  # another conversation: decided on its own
    assert json.loads(first.choices[0].message.content or "") == {"answer": 42}
    assert json.loads(second.choices[0].message.content or "") == {"answer": 42}
    assert len(fake_anthropic.requests) == 1  # only the violating answer went on
    assert "response_format" in fake_openai.requests[0].body  # the local server was told
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    assert [r.route_reason for r in rows] == [
        "rule:try-local+cascade→frontier", "rule:try-local+cascade",
    ]  # fmt: skip
    step = _decision(rows[0])["cascade_step"]
    assert step["checks"] == ["json_schema"]
    assert step["findings"][0]["check"] == "json_schema"


def test_a_responses_client_s_json_schema_is_checked_too(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """OpenAI's Responses API names the schema in ``text.format``: the same check applies."""
    fake_openai.push(Reply('{"answer": "forty-two"}'))
    fake_anthropic.push(Reply('{"answer": 42}'))
    schema = {"type": "json_schema", "name": "answer", "schema": ANSWER_SCHEMA}
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        done = openai_client(gw).responses.create(
            model="claude-sonnet-4-6",
            input="answer",
            text={"format": schema},  # type: ignore[typeddict-item]
        )
    assert json.loads(done.output_text) == {"answer": 42}
    row = _only_row()
    assert row.route_reason == "rule:try-local+cascade→frontier" and row.endpoint == "/v1/responses"
    assert _decision(row)["cascade_step"]["findings"][0]["check"] == "json_schema"


def test_a_refused_budget_returns_the_local_answer_as_it_is(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(INVALID_TWICE)
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, BUDGET)) as gw:
        status, _, raw = post_json(gw, "/v1/messages", _tools_body())
    assert status == 200
    calls = [b for b in json.loads(raw)["content"] if b["type"] == "tool_use"]
    assert calls[0]["input"] == {"cmd": 6}  # the local answer, unchanged
    assert fake_anthropic.requests == []
    row = _only_row()
    assert row.route_reason == "rule:try-local+cascade+budget→local"
    assert row.backend_kind == "local"
    step = _decision(row)["cascade_step"]
    assert step["frontier"] == "budget-refused (budget:global/day)"


def test_the_session_stays_pinned_local_after_a_frontier_step(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(INVALID_TWICE)
    fake_openai.push(GOOD)
    fake_anthropic.push(Reply("frontier"))
    session = {"x-fulcrum-session": "s-cascade"}
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        assert post_json(gw, "/v1/messages", _tools_body(), session)[0] == 200
        assert post_json(gw, "/v1/messages", _tools_body(), session)[0] == 200
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    assert [r.backend for r in rows] == ["frontier", "local"]
    assert rows[1].route_reason == "sticky+cascade"


def test_a_local_backend_that_fails_hands_over_to_the_frontier(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Fail(503))
    fake_anthropic.push(Reply("from the frontier"))
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        reply = claude_client(gw).messages.create(**_tools_body())
    assert reply.content[0].type == "text" and reply.content[0].text == "from the frontier"
    row = _only_row()
    assert row.route_reason == "rule:try-local+cascade→frontier" and row.status == 200
    assert [(a.backend, a.status) for a in row.attempts] == [("local", 503), ("frontier", 200)]
    step = _decision(row)["cascade_step"]
    assert step["passed"] is False and "HTTP 503" in step["local"]["error"]


def test_an_openai_stream_gets_the_checked_local_answer_as_chunks(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(GOOD)
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, CASCADE)) as gw:
        chunks = list(
            openai_client(gw).chat.completions.create(
                model="claude-sonnet-4-6",
                messages=user("list"),  # type: ignore[arg-type]
                tools=OPENAI_TOOLS,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    args = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(args) == {"command": "ls"}
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert fake_anthropic.requests == []
