"""The real Claude Code CLI, headless, against the fake Anthropic upstream directly.

This checks the fake is faithful enough for the most demanding client: strict field
checking accepts Claude Code's body, the SSE stream parses, and a scripted tool call
makes the CLI run Bash and send the result back, which the fake then answers.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, Reply, ToolCall
from fulcrum.testing.claude_code import claude_command, claude_env

pytestmark = pytest.mark.claude_code


def run_claude(fake: FakeAnthropic, home: Path, prompt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*claude_command(), "-p", prompt, "--allowedTools", "Bash"],
        env=claude_env(fake.url, home / "home"),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_claude_code_runs_the_scripted_tool_and_gets_the_answer(tmp_path: Path) -> None:
    command = "echo fulcrum-fake-ok > out.txt && cat out.txt"
    with FakeAnthropic() as fake:
        fake.push(
            ToolCall(
                "Bash", {"command": command, "description": "write a file"}, then="Saw: {result}"
            )
        )
        done = run_claude(fake, tmp_path, "write the file")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "Saw: fulcrum-fake-ok"
    assert (tmp_path / "out.txt").read_text().strip() == "fulcrum-fake-ok"
    main = [r for r in fake.requests if r.body and r.body.get("tools")]
    assert len(main) == 2 and all(r.query == {"beta": "true"} for r in main)
    assert (
        main[0].headers["x-claude-code-session-id"] == main[1].headers["x-claude-code-session-id"]
    )
    assert main[1].body is not None and "tool_result" in str(main[1].body["messages"][-1])


def test_claude_code_prints_a_streamed_reply_with_thinking(tmp_path: Path) -> None:
    with FakeAnthropic(
        default=Reply("plain answer, streamed word by word", thinking="hmm")
    ) as fake:
        done = run_claude(fake, tmp_path, "say something")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "plain answer, streamed word by word"
    assert all(
        r.body and r.body.get("stream") is True for r in fake.requests if r.path == "/v1/messages"
    )
