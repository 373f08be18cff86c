"""Run the OpenCode CLI (npm ``opencode-ai``) non-interactively against a local gateway.

``scripts/install_opencode.sh`` installs the pinned version into the cache; the CLI is a native
binary (:func:`opencode_command`). A run has a home of its own (``HOME`` and the XDG
directories, :func:`opencode_env`) and runs in a project directory whose ``opencode.json``
(:func:`write_opencode_config`) holds what ``fulcrum serve`` prints for OpenCode
(:func:`fulcrum.gateway.serve.opencode_config`), plus the models the test asks for: offline,
OpenCode knows no model it has not been told of. Three provider kinds reach the gateway:
``anthropic`` (Messages), ``openai`` (the Responses API) and :data:`COMPATIBLE`, an
OpenAI-compatible server (Chat Completions), as a local model is declared.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fulcrum.gateway.serve import AGENT_KEY_ENV, opencode_config
from fulcrum.testing.components import opencode_dir, require_file

BINARY = Path("node_modules") / "opencode-ai" / "bin" / "opencode.exe"
COMPATIBLE = "fulcrum"  # the provider an OpenAI-compatible server is declared as
_SCRUB = ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
          "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")  # fmt: skip


def opencode_command() -> list[str]:
    """The argv prefix that starts the CLI."""
    return [str(require_file(opencode_dir() / BINARY, "OpenCode CLI"))]


def write_opencode_config(project: Path, gateway_url: str, provider: str, model: str) -> Path:
    """``project/opencode.json``: the gateway's lines for OpenCode, ``model`` declared under
    ``provider`` (:data:`COMPATIBLE`: an OpenAI-compatible server at the gateway)."""
    config: dict[str, Any] = json.loads(opencode_config(gateway_url))
    providers = config["provider"]
    if provider == COMPATIBLE:
        providers[COMPATIBLE] = {"npm": "@ai-sdk/openai-compatible", "name": "fulcrum",
                                 "options": providers["openai"]["options"]}  # fmt: skip
    providers[provider]["models"] = {model: {"name": model, "tool_call": True}}
    config.update({"autoupdate": False, "share": "disabled"})
    path = project / "opencode.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def opencode_run_argv(command: list[str], provider: str, model: str, prompt: str) -> list[str]:
    """``opencode run PROMPT`` on ``provider/model``, every permission granted (the run is the
    test's own, in a temporary directory)."""
    return [*command, "run", "--auto", "-m", f"{provider}/{model}", prompt]


def opencode_env(
    home: Path, project: Path, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a run in ``project``: its own home, a dummy key, nothing of the
    caller's setup, no update check."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if k not in _SCRUB}
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"), "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"), "PWD": str(project),
        "OPENCODE_DISABLE_AUTOUPDATE": "1", AGENT_KEY_ENV: "client-key",
    })  # fmt: skip
    return env
