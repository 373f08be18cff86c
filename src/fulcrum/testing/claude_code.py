"""Run the real Claude Code CLI (npm ``@anthropic-ai/claude-code``) headless against a local URL.

``scripts/install_claude_code.sh`` installs the pinned version into the cache. npm does not run
the package's postinstall here, so the CLI is started through its wrapper, which finds the native
binary in the platform package::

    node <prefix>/node_modules/@anthropic-ai/claude-code/cli-wrapper.cjs -p "..."

A run needs this environment (see :func:`claude_env`):

- ``ANTHROPIC_BASE_URL``: the server it talks to (the gateway, or a fake upstream);
- ``ANTHROPIC_API_KEY``: any non-empty dummy value;
- ``HOME``: a temporary directory, so the run neither reads nor writes the user's settings;
- ``DISABLE_TELEMETRY=1`` and ``CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1``: no other traffic.

``--allowedTools Bash`` lets a headless run execute a tool call the upstream asks for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from fulcrum.testing.components import ComponentMissing, claude_code_dir, require_file

WRAPPER = Path("node_modules") / "@anthropic-ai" / "claude-code" / "cli-wrapper.cjs"

# Variables from the caller's environment that must not leak into a test run.
_SCRUB = (
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "CLAUDE_CONFIG_DIR",
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
)


def claude_wrapper() -> Path:
    """The installed ``cli-wrapper.cjs``; raises ``ComponentMissing`` with the setup hint."""
    return require_file(claude_code_dir() / WRAPPER, "Claude Code CLI")


def claude_command() -> list[str]:
    """The argv prefix that starts the CLI: ``[node, .../cli-wrapper.cjs]``; add ``-p "..."``."""
    node = shutil.which("node")
    if node is None:
        raise ComponentMissing("node is not on PATH; install Node.js 18 or later")
    return [node, str(claude_wrapper())]


def claude_env(
    base_url: str,
    home: Path,
    *,
    api_key: str = "sk-ant-test-dummy",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for a headless run against ``base_url`` with ``HOME`` set to ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    home.mkdir(parents=True, exist_ok=True)
    env |= {
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": api_key,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if extra:
        env |= dict(extra)
    return env


def run_headless(
    claude_cli: list[str], base_url: str, prompt: str, workdir: Path
) -> subprocess.CompletedProcess[str]:
    """Claude Code headless against ``base_url``: ``prompt`` as ``claude-sonnet-4-6``, Bash
    allowed, JSON output; its home is ``workdir/home`` (its session logs land under
    ``workdir/home/.claude/projects``)."""
    return subprocess.run(
        [
            *claude_cli,
            *("-p", prompt, "--model", "claude-sonnet-4-6"),
            *("--allowedTools", "Bash", "--output-format", "json"),
        ],
        env=claude_env(base_url, workdir / "home"),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
