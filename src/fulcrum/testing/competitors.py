"""Competing gateways for ``bench/gateway_overhead.py``: install them (cached) and start them.

- LiteLLM's proxy (``litellm[proxy]``) in its own virtualenv, on OpenAI pass-through;
- claude-code-router (npm), on the Anthropic→OpenAI translation path, with its config in a
  temporary ``HOME``.

Both are installed once into the fulcrum cache directory and reused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

from fulcrum.testing.components import (
    CCR_VERSION,
    LITELLM_VERSION,
    ComponentMissing,
    cache_root,
)
from fulcrum.testing.process import ServerProcess

BENCH_MODEL = "fake-model"


def litellm_dir() -> Path:
    return cache_root() / "bench" / f"litellm-{LITELLM_VERSION}"


def ccr_dir() -> Path:
    return cache_root() / "bench" / f"ccr-{CCR_VERSION}"


def ensure_litellm() -> Path:
    """Create the LiteLLM virtualenv if needed; return its ``litellm`` executable."""
    home = litellm_dir()
    exe = home / "bin" / "litellm"
    stamp = home / ".installed"
    if stamp.is_file() and exe.is_file():
        return exe
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run(
        [*pip, "--disable-pip-version-check", f"litellm[proxy]=={LITELLM_VERSION}"], check=True
    )
    stamp.write_text(LITELLM_VERSION + "\n")
    return exe


def ensure_ccr() -> Path:
    """Install claude-code-router with npm if needed; return its ``cli.js``."""
    home = ccr_dir()
    cli = home / "node_modules" / "@musistudio" / "claude-code-router" / "dist" / "cli.js"
    stamp = home / ".installed"
    if stamp.is_file() and cli.is_file():
        return cli
    npm = shutil.which("npm")
    if npm is None:
        raise ComponentMissing("npm is required to install claude-code-router")
    home.mkdir(parents=True, exist_ok=True)
    package = home / "package.json"
    if not package.exists():
        package.write_text(json.dumps({"name": "fulcrum-bench-ccr", "private": True}) + "\n")
    subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(home),
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"@musistudio/claude-code-router@{CCR_VERSION}",
        ],
        check=True,
    )
    stamp.write_text(CCR_VERSION + "\n")
    return cli


def start_litellm(upstream: str, port: int, workdir: Path) -> ServerProcess:
    """LiteLLM proxy forwarding ``fake-model`` to an OpenAI-compatible ``upstream`` (…/v1)."""
    exe = ensure_litellm()
    config = workdir / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {BENCH_MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{BENCH_MODEL}\n"
        f"      api_base: {upstream}\n"
        "      api_key: dummy\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  set_verbose: false\n"
    )
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
        "HOME": str(workdir),
        "NO_DOCS": "True",
    }
    argv = [
        str(exe),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]
    return ServerProcess(
        argv,
        port=port,
        health="/health/liveliness",
        env=env,
        log=workdir / "litellm.log",
        start_timeout=120.0,
    )


def start_ccr(upstream: str, port: int, workdir: Path) -> ServerProcess:
    """claude-code-router translating Anthropic Messages to ``upstream`` (…/v1) chat completions."""
    cli = ensure_ccr()
    node = shutil.which("node")
    if node is None:
        raise ComponentMissing("node is required to run claude-code-router")
    home = workdir / "ccr-home"
    conf_dir = home / ".claude-code-router"
    conf_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "LOG": False,
        "HOST": "127.0.0.1",
        "PORT": port,
        "NON_INTERACTIVE_MODE": True,
        "API_TIMEOUT_MS": 60000,
        "Providers": [
            {
                "name": "fake",
                "api_base_url": f"{upstream}/chat/completions",
                "api_key": "dummy",
                "models": [BENCH_MODEL],
            }
        ],
        "Router": {"default": f"fake,{BENCH_MODEL}"},
    }
    (conf_dir / "config.json").write_text(json.dumps(config, indent=2))
    env = {**os.environ, "HOME": str(home)}
    return ServerProcess(
        [node, str(cli), "start"],
        port=port,
        health="/",
        any_status=True,
        env=env,
        log=workdir / "ccr.log",
        start_timeout=60.0,
    )
