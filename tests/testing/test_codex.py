"""The Codex CLI harness: the gateway as Codex's Responses provider, a home of the run's own."""

from __future__ import annotations

from pathlib import Path

from fulcrum.testing.codex import KEY_ENV, codex_env, codex_exec_argv


def test_the_gateway_is_the_model_provider() -> None:
    argv = codex_exec_argv(["node", "codex.js"], "http://127.0.0.1:9/v1", "to-claude", "hi")
    assert argv[:3] == ["node", "codex.js", "exec"] and argv[-1] == "hi"
    provider = next(a for a in argv if a.startswith("model_providers.fulcrum="))
    assert 'base_url="http://127.0.0.1:9/v1"' in provider and 'wire_api="responses"' in provider
    assert f'env_key="{KEY_ENV}"' in provider and 'model="to-claude"' in argv


def test_the_run_has_its_own_home_and_none_of_the_callers_keys(tmp_path: Path) -> None:
    env = codex_env(tmp_path, {"OPENAI_API_KEY": "sk-real", "PATH": "/bin", "CODEX_HOME": "/x"})
    assert env == {"PATH": "/bin", "HOME": str(tmp_path), "CODEX_HOME": str(tmp_path),
                   KEY_ENV: "client-key"}  # fmt: skip
