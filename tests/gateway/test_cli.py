"""``fulcrum serve`` as an operator runs it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from fulcrum.errors import ConfigError
from fulcrum.fakes import FakeOpenAI
from fulcrum.gateway import reprobe
from fulcrum.gateway.app import build_app
from fulcrum.gateway.config import GatewayConfig, from_mapping
from fulcrum.gateway.defaults import default_config, detect_local
from fulcrum.gateway.state import STATE
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


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [(["--port", "99999"], {}, "--port"), ([], {"FULCRUM_PORT": "70000"}, "FULCRUM_PORT"),
     ([], {"FULCRUM_PORT": "http"}, "FULCRUM_PORT")],
)  # fmt: skip
def test_serve_refuses_a_port_out_of_range_before_anything_else(
    config_text: str, tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    """Not wrapped around to another port (99,999 once bound 34,463), and said first."""
    path = tmp_path / "gw.toml"
    path.write_text(config_text, encoding="utf-8")
    run = _serve("--config", str(path), *args, env={**os.environ, **env})
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().count("\n") == 0 and named in run.stderr and "65535" in run.stderr


def test_serve_on_embedded_defaults_serves_at_once_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if detect_local():
        pytest.skip("a local model server is running on a default port")
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["FULCRUM_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fulcrum", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None and proc.stdout is not None
        assert "no backend configured" in proc.stderr.readline()
        assert "serving anyway" in proc.stderr.readline()
        first = proc.stdout.readline()
        assert "listening on" in first
        url = first.split("listening on", 1)[1].strip()
        assert f"dashboard: {url}/ui" in proc.stdout.readline()
        assert "backends: none" in proc.stdout.readline()
        status, body = _post(url + "/v1/messages", {"model": "m", "max_tokens": 5, "messages": HI})
        error = json.loads(body)["error"]
        assert status == 503 and "start a local server" in error["message"]
        with urllib.request.urlopen(url + "/healthz", timeout=10) as health:
            assert health.status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0
    assert "Traceback" not in out + err


def _post(url: str, body: dict[str, object]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


async def test_a_backend_found_later_is_used_from_the_next_request(tmp_path: Path) -> None:
    empty = default_config({}, detect=False, allow_empty=True)
    async with FakeOpenAI() as local:
        found = {"backends": {"llamacpp": {"format": "openai", "base_url": local.url,
                                           "kind": "local", "models": ["m"]}},
                 "routes": {"default": "llamacpp"}}  # fmt: skip
        probes = iter([None, found])

        def probe() -> GatewayConfig:
            data = next(probes, found)
            if data is None:
                raise ConfigError("no backend configured", file="<defaults>", field="backends")
            return from_mapping(data, source="<defaults>", env={}, base=tmp_path)

        app = build_app(empty)
        reprobe.install(app, probe, interval_s=0.05)
        body = {"model": "m", "max_tokens": 5, "messages": HI}
        async with TestClient(TestServer(app)) as client:
            before = await client.post("/v1/messages", json=body)
            assert before.status == 503
            assert (await client.post("/v1/wake", json={"event": "CI failed"})).status == 503
            for _ in range(100):
                await asyncio.sleep(0.05)
                if app[STATE].router is not None:
                    break
            after = await client.post("/v1/messages", json=body)
            assert after.status == 200 and after.headers["x-fulcrum-backend"] == "llamacpp"
            woke = await client.post("/v1/wake", json={"event": "CI failed"})
            assert woke.status == 200 and (await woke.json())["backend"] == "llamacpp"
