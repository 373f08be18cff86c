"""``fulcrum serve`` as an operator runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.gateway.cli import wait_for_backend
from fulcrum.gateway.config import GatewayConfig, from_mapping
from fulcrum.gateway.defaults import detect_local
from fulcrum.testing.gateway import running_gateway

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
    run = _serve("--port", "0", "--no-wait", env=env)
    if run.returncode != 2:  # a local server happens to run on a default port here
        pytest.skip("a local model server is running on a default port")
    assert "no backend configured" in run.stderr and "ANTHROPIC_API_KEY" in run.stderr


def test_serve_bad_config_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('[backends.x]\nformat = "soap"\nbase_url = "http://a"\n', encoding="utf-8")
    run = _serve("--config", str(path))
    assert run.returncode == 2
    assert "backends.x.format" in run.stderr and "anthropic, openai" in run.stderr


def test_waiting_for_a_backend_reprobes_until_one_answers(tmp_path: Path) -> None:
    said: list[str] = []
    slept: list[float] = []
    found = {"backends": {"llamacpp": {"format": "openai", "base_url": "http://127.0.0.1:8080",
                                       "kind": "local", "models": ["m"]}},
             "routes": {"default": "llamacpp"}}  # fmt: skip
    probes = iter([None, None, found])

    def detect(env: Mapping[str, str]) -> GatewayConfig:
        data = next(probes)
        if data is None:
            raise ConfigError("no backend configured", file="<defaults>", field="backends")
        return from_mapping(data, source="<defaults>", env=env, base=tmp_path)

    cfg = wait_for_backend({}, say=said.append, interval_s=0.5, detect=detect, sleep=slept.append)
    assert list(cfg.backends) == ["llamacpp"]
    assert slept == [0.5, 0.5]
    assert len(said) == 1 and "no backend configured" in said[0] and "re-probing" in said[0]


def test_waiting_does_not_swallow_other_config_errors() -> None:
    def detect(env: Mapping[str, str]) -> GatewayConfig:
        raise ConfigError("expected a port", field="server.port")

    with pytest.raises(ConfigError, match="expected a port"):
        wait_for_backend({}, say=print, detect=detect, sleep=lambda _s: None)


def test_serve_on_embedded_defaults_waits_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if detect_local():
        pytest.skip("a local model server is running on a default port")
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fulcrum", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        assert "no backend configured" in proc.stderr.readline()
        assert "waiting for one" in proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert "Traceback" not in err
