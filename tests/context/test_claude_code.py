"""Claude Code headless with ``fulcrum mcp`` added: the model's search_code call runs on the real
MCP server and its result reaches the model's next request through the gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, ToolCall
from fulcrum.testing.claude_code import claude_env
from fulcrum.testing.gateway import running_gateway

GATEWAY = """
[backends.claude]
format = "anthropic"
base_url = "{url}"
provider = "anthropic"

[routes]
default = "claude"
"""


def _mcp_config(repo: Path, path: Path) -> Path:
    server = {
        "command": sys.executable,
        "args": ["-m", "fulcrum", "mcp", "--root", str(repo)],
        "env": {"FULCRUM_DATA_DIR": os.environ["FULCRUM_DATA_DIR"], "FULCRUM_EMBEDDER": "none"},
    }
    path.write_text(json.dumps({"mcpServers": {"fulcrum": server}}))
    return path


@pytest.mark.claude_code
def test_claude_code_calls_search_code_through_the_gateway(
    claude_cli: list[str], repo: Path, tmp_path: Path
) -> None:
    with FakeAnthropic() as fake:
        fake.push(
            ToolCall(
                "mcp__fulcrum__search_code",
                {"query": "read the settings TOML file", "limit": 3},
                then="The code search answered: {result}",
                model="sonnet",
            )
        )
        with running_gateway(GATEWAY.format(url=fake.url)) as gw:
            argv = [
                *claude_cli,
                *("-p", "Where are the settings read? Use search_code."),
                *("--model", "claude-sonnet-4-6", "--output-format", "json"),
                *("--mcp-config", str(_mcp_config(repo, tmp_path / "mcp.json"))),
                *("--strict-mcp-config", "--allowedTools", "mcp__fulcrum__search_code"),
            ]
            run = subprocess.run(
                argv,
                # MCP tools declared up front, not deferred behind ToolSearch
                env=claude_env(
                    gw.url,
                    tmp_path / "home",
                    extra={"MCP_TIMEOUT": "60000", "ENABLE_TOOL_SEARCH": "false"},
                ),
                cwd=repo,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
            gw.stop()
        bodies = [json.dumps(r.body or {}) for r in fake.requests]
        tools = [[t.get("name") for t in (r.body or {}).get("tools", [])] for r in fake.requests]
    assert run.returncode == 0, run.stderr[-2000:] + run.stdout[-2000:]
    declared = [n for n in tools if "mcp__fulcrum__search_code" in n]
    assert declared, "Claude Code never offered the MCP tool to the model"
    answered = [b for b in bodies if '"tool_result"' in b and "load_settings" in b]
    assert answered, "the search_code result never reached the model's next request"
    assert "pkg/config.py" in answered[-1]
    assert "load_settings" in json.loads(run.stdout)["result"]
