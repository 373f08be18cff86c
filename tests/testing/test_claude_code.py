"""The real Claude Code CLI runs headless against a minimal local Anthropic Messages server."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from fulcrum.testing.claude_code import claude_command, claude_env
from fulcrum.testing.components import CLAUDE_CODE_VERSION

pytestmark = pytest.mark.claude_code

REPLY = "pong from the local fake"
TOOL_COMMAND = "echo fulcrum-tool-ok > tool-output.txt"


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _stream(model: str, block: dict[str, Any], delta: dict[str, Any], stop: str) -> list[bytes]:
    """A well-formed Anthropic event stream with one content block."""
    message: dict[str, Any] = {
        "id": "msg_test_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 0},
    }
    start = {"type": "content_block_start", "index": 0, "content_block": block}
    return [
        _sse("message_start", {"type": "message_start", "message": message}),
        _sse("content_block_start", start),
        _sse("ping", {"type": "ping"}),
        _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        _sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
        ),
        _sse("message_stop", {"type": "message_stop"}),
    ]


def _text_reply(model: str) -> list[bytes]:
    block = {"type": "text", "text": ""}
    return _stream(model, block, {"type": "text_delta", "text": REPLY}, "end_turn")


def _bash_call(model: str) -> list[bytes]:
    block = {"type": "tool_use", "id": "toolu_test_1", "name": "Bash", "input": {}}
    args = json.dumps({"command": TOOL_COMMAND, "description": "Write a file"})
    return _stream(model, block, {"type": "input_json_delta", "partial_json": args}, "tool_use")


def _has_tool_result(body: dict[str, Any]) -> bool:
    return "tool_result" in json.dumps(body["messages"][-1])


class FakeAnthropic:
    """Answers /v1/messages with streamed replies and records the requests.

    With ``use_tool``, a request that offers the Bash tool gets a Bash call first; once the
    conversation carries the tool's result, it gets the text reply.
    """

    def __init__(self, *, use_tool: bool = False) -> None:
        self.use_tool = use_tool
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []

    async def messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append((request.path_qs, dict(request.headers), body))
        if not body.get("stream"):
            return web.json_response({
                "id": "msg_test_0", "type": "message", "role": "assistant",
                "model": body["model"], "content": [{"type": "text", "text": REPLY}],
                "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 5},
            })  # fmt: skip
        offers_bash = any(t.get("name") == "Bash" for t in body.get("tools", []))
        wants_tool = self.use_tool and offers_bash and not _has_tool_result(body)
        events = _bash_call(body["model"]) if wants_tool else _text_reply(body["model"])
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for chunk in events:
            await resp.write(chunk)
        await resp.write_eof()
        return resp

    async def count_tokens(self, request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"input_tokens": 12})


@pytest.fixture
async def fake_anthropic(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[str, FakeAnthropic]]:
    fake = FakeAnthropic(use_tool=getattr(request, "param", False))
    app = web.Application()
    app.router.add_post("/v1/messages", fake.messages)
    app.router.add_post("/v1/messages/count_tokens", fake.count_tokens)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", fake
    finally:
        await runner.cleanup()


async def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def test_version_runs_offline(tmp_path: Path) -> None:
    env = claude_env("http://127.0.0.1:9", tmp_path / "home")
    done = subprocess.run(
        [*claude_command(), "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(CLAUDE_CODE_VERSION)


async def test_headless_run_against_local_server(
    tmp_path: Path, fake_anthropic: tuple[str, FakeAnthropic], claude_cli: list[str]
) -> None:
    base_url, fake = fake_anthropic
    work = tmp_path / "work"
    work.mkdir()
    env = claude_env(base_url, tmp_path / "home")
    code, out, err = await _run([*claude_cli, "-p", "say pong"], env, work)

    assert code == 0, f"stdout={out!r} stderr={err!r}"
    assert REPLY in out
    streamed = [(path, headers, body) for path, headers, body in fake.requests if body["stream"]]
    assert streamed, f"no streamed /v1/messages call; got {[r[0] for r in fake.requests]}"
    path, headers, body = streamed[-1]
    assert path.startswith("/v1/messages")
    assert headers["User-Agent"].startswith("claude-cli/")
    assert headers["x-api-key"] == "sk-ant-test-dummy"
    assert any("say pong" in json.dumps(m) for m in body["messages"])


@pytest.mark.parametrize("fake_anthropic", [True], indirect=True)
async def test_headless_run_executes_the_requested_tool(
    tmp_path: Path, fake_anthropic: tuple[str, FakeAnthropic], claude_cli: list[str]
) -> None:
    base_url, fake = fake_anthropic
    work = tmp_path / "work"
    work.mkdir()
    env = claude_env(base_url, tmp_path / "home")
    argv = [*claude_cli, "-p", "write the file", "--allowedTools", "Bash"]
    code, out, err = await _run(argv, env, work)

    assert code == 0, f"stdout={out!r} stderr={err!r}"
    assert REPLY in out
    assert (work / "tool-output.txt").read_text().strip() == "fulcrum-tool-ok"
    results = [body for _, _, body in fake.requests if body["stream"] and _has_tool_result(body)]
    assert len(results) == 1
    last = results[0]["messages"][-1]["content"]
    result_block = next(b for b in last if b["type"] == "tool_result")
    assert result_block["tool_use_id"] == "toolu_test_1"
