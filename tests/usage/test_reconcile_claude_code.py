"""Acceptance: Claude Code through the gateway, both its logs and the ledger imported, every
call matched and the token totals equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, ToolCall
from fulcrum.testing.claude_code import run_headless
from fulcrum.testing.cli import run_cli
from fulcrum.testing.gateway import running_gateway

CLAUDE = """
[backends.claude]
format = "anthropic"
base_url = "{url}"
provider = "anthropic"

[routes]
default = "claude"
"""


@pytest.mark.claude_code
def test_reconcile_a_claude_code_run_with_the_ledger(
    claude_cli: list[str],
    fake_anthropic: FakeAnthropic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_anthropic.push(
        ToolCall(
            "Bash",
            {"command": "echo reconcile-me", "description": "print a marker"},
            then="The command printed: {result}",
            model="sonnet",
        )
    )
    with running_gateway(CLAUDE.format(url=fake_anthropic.url)) as gw:
        run = run_headless(claude_cli, gw.url, "Run echo reconcile-me.", tmp_path)
        gw.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    projects = tmp_path / "home" / ".claude" / "projects"
    code, out, err = run_cli(["usage", "import", str(projects), "--json"], capsys)
    assert code == 0, err
    logged = json.loads(out)["records"]
    code, out, err = run_cli(["usage", "import", "--from", "ledger", "--json"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["usage", "reconcile", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["unmatched_a"] == [] and data["unmatched_b"] == [], data
    assert data["total"]["calls"] == logged >= 2
    assert set(data["total"]["token_diff"].values()) == {0}, data["total"]
    assert data["agrees"] is True
    code, out, _ = run_cli(["usage", "reconcile"], capsys)
    assert code == 0 and "token totals agree exactly" in out
    assert max(map(len, out.splitlines())) <= 80
