"""The behaviour queue, and the stand-alone ``python -m fulcrum.fakes`` process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request

import aiohttp
import pytest

from fulcrum.fakes import (
    AnswerTool,
    Fail,
    FakeAnthropic,
    FakeOpenAI,
    Reply,
    Script,
    ToolCall,
)
from fulcrum.fakes.__main__ import main
from fulcrum.fakes.script import declared_tools, tool_result_text
from fulcrum.fakes.template import fill, pieces


def test_queue_order_times_and_model_filter() -> None:
    script = Script(default=Reply("d"))
    script.push(Fail(500), times=2)
    script.push(Reply("haiku only", model="haiku"), Reply("next"))
    assert script.take({"model": "opus"}) == Fail(500)
    assert script.take({"model": "opus"}) == Fail(500)
    assert script.take({"model": "opus"}) == Reply("next")
    assert script.take({"model": "opus"}) == Reply("d")
    assert script.take({"model": "claude-haiku-4-5"}) == Reply("haiku only", model="haiku")
    assert len(script) == 0


def test_answer_waits_for_its_tool_result() -> None:
    script = Script()
    script.push_front(AnswerTool(call_id="t1", then="ok"))
    assert script.take({"messages": []}) == Reply()
    openai_style = {"messages": [{"role": "tool", "tool_call_id": "t1", "content": "r"}]}
    assert tool_result_text(openai_style, "t1") == "r"
    assert script.take(openai_style) == AnswerTool(call_id="t1", then="ok")
    blocks = [
        {"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "x"}]}
    ]
    assert tool_result_text({"messages": [{"role": "user", "content": blocks}]}, "t2") == "x"
    assert tool_result_text({"messages": "junk"}, "t2") is None


def test_fill_replaces_number_and_string_holes() -> None:
    out = fill([b'{"id":"msg_@ID@","n":"@IN@"}', b"plain"], {"@ID@": "abc", "@IN@": "12"})
    assert out == [b'{"id":"msg_abc","n":12}', b"plain"]
    assert "".join(pieces("one two  three", 2)) == "one two  three"
    assert pieces("", 1) == [""]


def test_main_rejects_negative_delay(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openai", "--delay", "-1"]) == 2
    assert "--delay" in capsys.readouterr().err


def test_module_entry_point_serves_until_terminated() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fulcrum.fakes", "anthropic", "--port", "0", "--text", "bench"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]
        body = json.dumps(
            {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        )
        request = urllib.request.Request(
            url + "/v1/messages", data=body.encode(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            reply = json.loads(response.read())
        assert reply["content"][0]["text"] == "bench"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        if proc.stdout is not None:
            proc.stdout.close()


async def test_serves_a_burst_of_concurrent_connections() -> None:
    """400 fresh connections at once all get complete streams (the gateway load tests do this)."""
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
    async with FakeOpenAI(record=False) as fake:
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one() -> bytes:
                async with session.post(fake.url + "/v1/chat/completions", json=body) as resp:
                    return await resp.read()

            started = time.monotonic()
            replies = await asyncio.gather(*(one() for _ in range(400)))
    assert all(r.endswith(b"data: [DONE]\n\n") for r in replies)
    assert time.monotonic() - started < 20


def test_tool_call_is_taken_only_by_a_request_declaring_the_tool() -> None:
    script = Script(default=Reply("plain"))
    script.push(ToolCall("Bash", {"command": "ls"}))
    assert script.take({"model": "haiku", "messages": []}) == Reply("plain")
    openai_tools = [{"type": "function", "function": {"name": "Other"}}]
    assert script.take({"tools": openai_tools}) == Reply("plain")
    anthropic_tools = [{"name": "Read"}, {"name": "Bash", "input_schema": {}}]
    assert declared_tools({"tools": anthropic_tools}) == {"Read", "Bash"}
    assert script.take({"tools": anthropic_tools}) == ToolCall("Bash", {"command": "ls"})


async def test_unknown_top_level_fields_are_rejected_like_the_providers_do() -> None:
    msgs = [{"role": "user", "content": "x"}]
    claude_code = {
        "model": "claude-opus-5-5",
        "max_tokens": 128000,
        "messages": msgs,
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": []},
        "output_config": {"effort": "high"},
        "metadata": {"user_id": "{}"},
    }
    async with (
        FakeAnthropic() as anthropic_fake,
        FakeOpenAI() as openai_fake,
        FakeOpenAI(strict=False) as lenient,
        aiohttp.ClientSession() as session,
    ):
        url = anthropic_fake.url + "/v1/messages"
        async with session.post(url, json=claude_code) as ok:
            assert ok.status == 200
        async with session.post(url, json=claude_code | {"stream_options": {}}) as bad:
            assert bad.status == 400
            error = (await bad.json())["error"]
            assert error == {
                "type": "invalid_request_error",
                "message": "stream_options: Extra inputs are not permitted",
            }
        body = {"model": "m", "messages": msgs, "top_k": 3}
        async with session.post(openai_fake.url + "/v1/chat/completions", json=body) as bad:
            assert bad.status == 400
            assert (await bad.json())["error"]["message"] == (
                "Unrecognized request argument supplied: top_k"
            )
        async with session.post(lenient.url + "/v1/chat/completions", json=body) as ok:
            assert ok.status == 200


def test_streams_only_entries_wait_for_a_streaming_request() -> None:
    from fulcrum.fakes.script import Reply, Script  # noqa: PLC0415

    script = Script(default=Reply("default"))
    cut = Reply("cut", cut_after=1, streams_only=True)
    script.push(cut)
    assert script.take({"model": "m"}) == Reply("default")  # not for a JSON request
    assert script.take({"model": "m", "stream": True}) is cut
    assert len(script) == 0
