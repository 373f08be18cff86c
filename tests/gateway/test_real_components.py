"""The gateway with real components: a llama.cpp server as the local backend, and the
Claude Code CLI run headless through the gateway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, ToolCall
from fulcrum.gateway.defaults import LocalServer, detect_local
from fulcrum.ledger import open_store
from fulcrum.testing.claude_code import run_headless
from fulcrum.testing.gateway import local_config, running_gateway
from fulcrum.testing.llama import LlamaServer
from fulcrum.wire.sse import json_event
from fulcrum.wire.validate import check_anthropic_stream

from .helpers import HI, claude_client, openai_client


@pytest.mark.llama
@pytest.mark.parametrize("fmt", ["openai", "anthropic"])
def test_llama_cpp_as_the_local_backend(llama_server: LlamaServer, fmt: str) -> None:
    text = local_config(llama_server.base_url, llama_server.model, fmt=fmt)
    with running_gateway(text) as gw:
        claude = claude_client(gw)
        msg = claude.messages.create(model="claude-sonnet-4-6", max_tokens=16, messages=HI)  # type: ignore[arg-type]
        # the random tiny model may end its turn at once (no text): what always holds is a
        # stop reason that matches the tokens counted, and text blocks only
        assert msg.usage.output_tokens > 0 and msg.stop_reason in ("end_turn", "max_tokens")
        assert all(block.type == "text" for block in msg.content)
        with claude.messages.stream(model="claude-sonnet-4-6", max_tokens=16, messages=HI) as s:  # type: ignore[arg-type]
            final = s.get_final_message()
        assert final.stop_reason in ("end_turn", "max_tokens")
        chunks = list(
            openai_client(gw).chat.completions.create(
                model="anything",
                messages=HI,  # type: ignore[arg-type]
                max_tokens=16,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        assert any(c.usage is not None and c.usage.completion_tokens > 0 for c in chunks)
        gpt = openai_client(gw)  # and OpenAI's Responses API, translated to either format
        answer = gpt.responses.create(model="anything", input="hi", max_output_tokens=16)
        assert answer.status in ("completed", "incomplete") and answer.usage is not None
        assert answer.usage.output_tokens > 0
        events = list(gpt.responses.create(model="anything", input="hi", max_output_tokens=16,
                                           stream=True))  # fmt: skip
        assert events[-1].type in ("response.completed", "response.incomplete")
        assert [e.sequence_number for e in events] == list(range(len(events)))
        gw.stop()
    rows = open_store(None).rows()
    assert len(rows) == 5
    assert all(r.backend == "llama" and r.backend_kind == "local" for r in rows)
    assert all(r.status == 200 and r.output_tokens > 0 for r in rows)
    assert all(r.cost_usd is not None and r.cost_usd > 0 for r in rows)  # amortized + energy
    assert all(r.counterfactual_usd is not None for r in rows)
    whole = [r for r in rows if not r.stream]
    assert len(whole) == 2
    if fmt == "openai":  # llama.cpp's OpenAI-format answers say how long generating took
        assert all(r.ttft_ms is not None and 0 <= r.ttft_ms < r.duration_ms for r in whole)
        assert all(r.decode_tps is not None and r.decode_tps > 0 for r in whole)


@pytest.mark.llama
def test_llama_cpp_is_detected_with_its_native_messages_endpoint(llama_server: LlamaServer) -> None:
    found = detect_local((LocalServer("llamacpp", llama_server.port),))
    server, models = found["llamacpp"]
    assert server.format == "anthropic"  # llama.cpp serves /v1/messages: no translation
    assert llama_server.model in models


CLAUDE = """
[backends.claude]
format = "anthropic"
base_url = "{url}"
provider = "anthropic"

[routes]
default = "claude"
"""


@pytest.mark.claude_code
def test_claude_code_runs_a_tool_through_the_gateway(
    claude_cli: list[str], fake_anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    fake_anthropic.push(
        ToolCall(
            "Bash",
            {"command": "echo fulcrum-tool-ran", "description": "print a marker"},
            then="The command printed: {result}",
            model="sonnet",
        )
    )
    with running_gateway(CLAUDE.format(url=fake_anthropic.url)) as gw:
        run = run_headless(
            claude_cli, gw.url, "Run echo fulcrum-tool-ran and tell me what it printed.", tmp_path
        )
        gw.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    assert "fulcrum-tool-ran" in result["result"]
    results = [r for r in fake_anthropic.requests if "fulcrum-tool-ran" in json.dumps(r.body or {})]
    assert results, "the tool result never reached the upstream"
    rows = [r for r in open_store(None).rows() if r.endpoint == "/v1/messages"]
    main = [r for r in rows if r.model == "claude-sonnet-4-6"]
    assert len(main) >= 2  # the tool call, then the answer
    assert all(r.status == 200 and r.stream for r in main)
    assert all(r.input_tokens > 0 and r.output_tokens > 0 for r in main)
    assert all(r.cost_usd is not None and r.cost_usd > 0 for r in main)
    assert all(r.session for r in main)  # Claude Code's session id was read


LOCAL_TOOLS = """
[backends.box]
format = "openai"
base_url = "{url}"
kind = "local"
models = ["qwen-coder", "claude-sonnet-4-6"]

[routes]
default = "box"
"""


@pytest.mark.claude_code
def test_claude_code_runs_a_tool_through_a_local_route(
    claude_cli: list[str], fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The main loop on a local model: streamed, its tool call checked, run, answered."""
    fake_openai.push(
        ToolCall(
            "Bash",
            {"command": "echo fulcrum-local-tool", "description": "print a marker"},
            text="Running it.",
            then="The command printed: {result}",
            model="sonnet",
        )
    )
    with running_gateway(LOCAL_TOOLS.format(url=fake_openai.url)) as gw:
        run = run_headless(
            claude_cli, gw.url, "Run echo fulcrum-local-tool and tell me what it printed.", tmp_path
        )
        gw.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert "fulcrum-local-tool" in json.loads(run.stdout)["result"]
    main = [
        r for r in fake_openai.requests if r.body and r.body.get("model") == "claude-sonnet-4-6"
    ]
    assert main and all(r.body["stream"] is True for r in main)  # streamed, not fetched whole
    assert any("fulcrum-local-tool" in json.dumps(r.body["messages"][-1]) for r in main)
    rows = [r for r in open_store(None).rows() if r.model == "claude-sonnet-4-6"]
    assert len(rows) >= 2  # the tool call, then the answer
    assert all(r.status == 200 and r.stream and r.backend_kind == "local" for r in rows)
    assert all(r.ttft_ms is not None and r.output_tokens > 0 for r in rows)


@pytest.mark.llama
@pytest.mark.parametrize("fmt", ["openai", "anthropic"])
def test_llama_cpp_streams_a_request_with_tools(llama_server: LlamaServer, fmt: str) -> None:
    """The tool-checked path on a real llama.cpp server: a stream, well formed, metered."""
    text = local_config(llama_server.base_url, llama_server.model, fmt=fmt)
    schema = {"type": "object", "properties": {"command": {"type": "string"}}}
    tools = [{"name": "Bash", "description": "Run a command", "input_schema": schema}]
    with running_gateway(text) as gw:
        with claude_client(gw).messages.stream(
            model="claude-sonnet-4-6",
            max_tokens=24,
            messages=HI,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
        ) as stream:
            events = list(stream)
            final = stream.get_final_message()
        gw.stop()
    assert final.stop_reason in ("end_turn", "max_tokens", "tool_use")
    raw = [e for e in events if e.type.startswith(("message_", "content_block_"))]
    check_anthropic_stream([json_event(e.model_dump(exclude_none=True)) for e in raw])
    assert sum(e.type == "message_start" for e in raw) == 1
    [row] = open_store(None).rows()
    assert row.backend_kind == "local" and row.stream and row.status == 200
    assert row.ttft_ms is not None and row.output_tokens > 0
