"""``fulcrum serve`` as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fulcrum.gateway.testing import running_gateway

from .helpers import HI, post_json


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fulcrum", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_serve_prints_how_to_point_clients_and_stops_on_sigterm(config_text: str) -> None:
    with running_gateway(config_text, subprocess=True) as gw:
        code, _, _ = post_json(gw, "/v1/messages", {"model": "claude-sonnet-4-6",
                                                    "max_tokens": 5, "messages": HI})  # fmt: skip
        assert code == 200
        assert gw.stop() == 0
    text = "\n".join(gw.output)
    assert f"listening on {gw.url}" in text
    assert f"export ANTHROPIC_BASE_URL={gw.url}" in text
    assert f'base_url="{gw.url}/v1"' in text
    assert "claude (api, anthropic," in text


def test_serve_refuses_a_public_bind_without_client_keys(config_text: str, tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(config_text, encoding="utf-8")
    run = _serve("--config", str(path), "--host", "0.0.0.0", "--port", "0")
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0  # one line, no traceback
    assert "needs client keys" in run.stderr and "FULCRUM_CLIENT_KEYS" in run.stderr


def test_serve_on_embedded_defaults_without_any_backend_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    run = _serve("--port", "0", env=env)
    if run.returncode != 2:  # a local server happens to run on a default port here
        pytest.skip("a local model server is running on a default port")
    assert "no backend configured" in run.stderr and "ANTHROPIC_API_KEY" in run.stderr


def test_serve_bad_config_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('[backends.x]\nformat = "soap"\nbase_url = "http://a"\n', encoding="utf-8")
    run = _serve("--config", str(path))
    assert run.returncode == 2
    assert "backends.x.format" in run.stderr and "anthropic, openai" in run.stderr
