"""The Codex CLI harness: the config ``fulcrum serve`` prints, a home of the run's own."""

from __future__ import annotations

import tomllib
from pathlib import Path

from fulcrum.gateway.serve import AGENT_KEY_ENV
from fulcrum.testing.codex import codex_env, codex_exec_argv, write_codex_config


def test_the_gateway_is_the_model_provider(tmp_path: Path) -> None:
    config = tomllib.loads(write_codex_config(tmp_path, "http://127.0.0.1:9").read_text())
    provider = config["model_providers"][config["model_provider"]]
    assert provider["base_url"] == "http://127.0.0.1:9/v1" and provider["wire_api"] == "responses"
    assert provider["env_key"] == AGENT_KEY_ENV
    argv = codex_exec_argv(["node", "codex.js"], "to-claude", "hi")
    assert argv[:3] == ["node", "codex.js", "exec"] and argv[-1] == "hi"
    assert 'model="to-claude"' in argv


def test_the_run_has_its_own_home_and_none_of_the_callers_keys(tmp_path: Path) -> None:
    env = codex_env(tmp_path, {"OPENAI_API_KEY": "sk-real", "PATH": "/bin", "CODEX_HOME": "/x"})
    assert env == {"PATH": "/bin", "HOME": str(tmp_path), "CODEX_HOME": str(tmp_path),
                   AGENT_KEY_ENV: "client-key"}  # fmt: skip
