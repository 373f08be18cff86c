"""Features of the requests the real Claude Code CLI sends (headless, against the fake
Anthropic upstream): the kinds, the working directory, turns and failed tool calls are read
from its actual prompts, not from bodies written to look like them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, Reply, ToolCall
from fulcrum.routing.features import RequestFeatures, extract_features
from fulcrum.routing.request import route_request_from_anthropic
from fulcrum.testing.claude_code import claude_command, claude_env

pytestmark = pytest.mark.claude_code


def claude(fake: FakeAnthropic, workdir: Path, *args: str) -> None:
    done = subprocess.run(
        [*claude_command(), "-p", *args, "--allowedTools", "Bash,Agent"],
        env=claude_env(fake.url, workdir / "home"),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def features_of(fake: FakeAnthropic) -> list[RequestFeatures]:
    """The features of each request, each also scanned whole: no real request of Claude Code
    (its system prompt, tools, reminders, metadata) is a false alarm."""
    out = []
    for recorded in fake.requests:
        if recorded.path == "/v1/messages" and recorded.body is not None:
            req = route_request_from_anthropic(recorded.body, recorded.headers)
            out.append(extract_features(req, recorded.body, whole=True))
            assert out[-1].secrets == (), out[-1].secrets
    return out


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "shop-api"
    path.mkdir()
    return path


def test_main_loop_and_a_failed_tool_call(workdir: Path) -> None:
    with FakeAnthropic() as fake:
        fake.push(ToolCall("Bash", {"command": "exit 3", "description": "fail"}, then="Saw it"))
        claude(fake, workdir, "run the failing command")
    first, second = features_of(fake)
    assert (first.kind, first.cwd, first.repo) == ("main", str(workdir), "shop-api")
    assert (first.turn, first.tool_errors, first.text) == (1, 0, "run the failing command")
    assert first.user_agent.startswith("claude-cli/") and first.has_tools
    assert (second.kind, second.turn, second.tool_errors) == ("main", 1, 1)


def test_a_task_tool_conversation_is_a_subagent(workdir: Path) -> None:
    call = {"description": "find callers", "prompt": "List the callers of parse_order."}
    with FakeAnthropic(default=Reply("orders.py")) as fake:
        fake.push(ToolCall("Agent", {**call, "subagent_type": "general-purpose"}, then="Done"))
        claude(fake, workdir, "find the callers with an agent")
    kinds = {(f.kind, f.text) for f in features_of(fake)}
    assert ("subagent", "List the callers of parse_order.") in kinds
    assert ("main", "find the callers with an agent") in kinds


def test_compact_is_a_compaction(workdir: Path) -> None:
    with FakeAnthropic(default=Reply("<summary>Said hello.</summary>")) as fake:
        claude(fake, workdir, "hello there")
        claude(fake, workdir, "--continue", "/compact")
    kinds = [f.kind for f in features_of(fake)]
    assert kinds == ["main", "compaction"]
