"""The OpenCode CLI harness: the config ``fulcrum serve`` prints, a home of the run's own."""

from __future__ import annotations

import json
from pathlib import Path

from fulcrum.gateway.config import load_config
from fulcrum.gateway.serve import AGENT_KEY_ENV, banner, opencode_config
from fulcrum.testing.opencode import (
    COMPATIBLE,
    opencode_env,
    opencode_run_argv,
    write_opencode_config,
)

URL = "http://127.0.0.1:9"


def test_both_built_in_providers_go_through_the_gateway(tmp_path: Path) -> None:
    printed = json.loads(opencode_config(URL))
    options = {"baseURL": f"{URL}/v1", "apiKey": f"{{env:{AGENT_KEY_ENV}}}"}
    assert printed == {"provider": {"anthropic": {"options": options},
                                    "openai": {"options": options}}}  # fmt: skip
    text = 'backends.a = { format = "openai", base_url = "http://127.0.0.1:1" }\n'
    assert opencode_config(URL) in banner(load_config(text=text, env={}), URL)
    written = json.loads(write_opencode_config(tmp_path, URL, COMPATIBLE, "qwen").read_text())
    compatible = written["provider"][COMPATIBLE]
    assert compatible["npm"] == "@ai-sdk/openai-compatible" and compatible["options"] == options
    assert list(compatible["models"]) == ["qwen"] and written["autoupdate"] is False
    argv = opencode_run_argv(["opencode"], COMPATIBLE, "qwen", "hi")
    assert argv == ["opencode", "run", "--auto", "-m", f"{COMPATIBLE}/qwen", "hi"]


def test_the_run_has_its_own_home_and_none_of_the_callers_keys(tmp_path: Path) -> None:
    caller = {"ANTHROPIC_API_KEY": "sk-real", "OPENAI_BASE_URL": "http://x", "PATH": "/bin"}
    env = opencode_env(tmp_path, tmp_path / "p", caller)
    assert not {"ANTHROPIC_API_KEY", "OPENAI_BASE_URL"} & set(env)
    assert (env["PATH"], env["HOME"], env["PWD"]) == ("/bin", str(tmp_path), str(tmp_path / "p"))
    assert env["XDG_CONFIG_HOME"].startswith(str(tmp_path)) and env[AGENT_KEY_ENV] == "client-key"
