"""Run OpenAI's Codex CLI (npm ``@openai/codex``) non-interactively against a local gateway.

``scripts/install_codex.sh`` installs the pinned version into the cache; the CLI starts through
its launcher, which finds the native binary in the platform package::

    node <prefix>/node_modules/@openai/codex/bin/codex.js exec ...

A run has a home of its own (``HOME`` and ``CODEX_HOME``, :func:`codex_env`), so it neither
reads nor writes the user's; :func:`write_codex_config` puts there the ``config.toml`` lines
``fulcrum serve`` prints (:func:`fulcrum.gateway.serve.codex_config`): the gateway as Codex's
model provider, speaking the Responses API, so a test also checks what users are told.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from fulcrum.gateway.serve import AGENT_KEY_ENV, codex_config
from fulcrum.testing.components import ComponentMissing, codex_dir, require_file

LAUNCHER = Path("node_modules") / "@openai" / "codex" / "bin" / "codex.js"
_SCRUB = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME", "HTTP_PROXY", "HTTPS_PROXY",
          "http_proxy", "https_proxy")  # fmt: skip


def codex_command() -> list[str]:
    """The argv prefix that starts the CLI: ``[node, .../codex.js]``."""
    node = shutil.which("node")
    if node is None:
        raise ComponentMissing("node is not on PATH; install Node.js 18 or later")
    return [node, str(require_file(codex_dir() / LAUNCHER, "Codex CLI"))]


def write_codex_config(home: Path, gateway_url: str) -> Path:
    """``home/config.toml``: the lines ``fulcrum serve`` prints for the gateway at its URL."""
    path = home / "config.toml"
    path.write_text(codex_config(gateway_url) + "\n")
    return path


def codex_exec_argv(command: list[str], model: str, prompt: str) -> list[str]:
    """``codex exec PROMPT`` with ``model``, no sandbox and no approvals (the run is the
    test's own, in a temporary directory)."""
    return [*command, "exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox",
            "-c", f'model="{model}"', prompt]  # fmt: skip


def codex_env(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: its own home, a dummy key, nothing of the caller's setup."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if k not in _SCRUB}
    env.update({"HOME": str(home), "CODEX_HOME": str(home), AGENT_KEY_ENV: "client-key"})
    return env
