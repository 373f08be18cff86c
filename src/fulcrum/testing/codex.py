"""Run OpenAI's Codex CLI (npm ``@openai/codex``) non-interactively against a local gateway.

``scripts/install_codex.sh`` installs the pinned version into the cache; the CLI starts through
its launcher, which finds the native binary in the platform package::

    node <prefix>/node_modules/@openai/codex/bin/codex.js exec ...

:func:`codex_exec_argv` makes the gateway Codex's model provider, speaking the Responses API
(``wire_api = "responses"``) with its key in ``FULCRUM_CODEX_KEY``; :func:`codex_env` gives the
run a home of its own (``HOME`` and ``CODEX_HOME``), so it neither reads nor writes the user's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from fulcrum.testing.components import ComponentMissing, codex_dir, require_file

LAUNCHER = Path("node_modules") / "@openai" / "codex" / "bin" / "codex.js"
KEY_ENV = "FULCRUM_CODEX_KEY"
_SCRUB = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME", "HTTP_PROXY", "HTTPS_PROXY",
          "http_proxy", "https_proxy")  # fmt: skip


def codex_command() -> list[str]:
    """The argv prefix that starts the CLI: ``[node, .../codex.js]``."""
    node = shutil.which("node")
    if node is None:
        raise ComponentMissing("node is not on PATH; install Node.js 18 or later")
    return [node, str(require_file(codex_dir() / LAUNCHER, "Codex CLI"))]


def codex_exec_argv(command: list[str], base_url: str, model: str, prompt: str) -> list[str]:
    """``codex exec PROMPT`` on the gateway at ``base_url`` (its ``/v1``) with ``model``, no
    sandbox and no approvals (the run is the test's own, in a temporary directory)."""
    provider = (f'{{name="fulcrum", base_url="{base_url}", env_key="{KEY_ENV}", '
                'wire_api="responses"}')  # fmt: skip
    return [
        *command, "exec", "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "-c", "model_provider=fulcrum", "-c", f"model_providers.fulcrum={provider}",
        "-c", f'model="{model}"', prompt,
    ]  # fmt: skip


def codex_env(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: its own home, a dummy key, nothing of the caller's setup."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if k not in _SCRUB}
    env.update({"HOME": str(home), "CODEX_HOME": str(home), KEY_ENV: "client-key"})
    return env
