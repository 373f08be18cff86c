"""The README's run command starts the gateway on embedded defaults and tells clients how to
point at it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_scripts_run_serves_on_embedded_defaults(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["ANTHROPIC_API_KEY"] = "sk-ant-test-not-a-real-key"  # enables the frontier backend
    env["FULCRUM_DATA_DIR"] = str(tmp_path)
    with subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "run"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    ) as proc:
        text, err = _serve_and_stop(proc)
    assert proc.returncode == 0, err
    assert "sk-ant-test" not in text + err  # the key never shows
    assert any(tmp_path.rglob("*.sqlite*"))  # the ledger lives in the data directory


def _serve_and_stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(10)]
        text = "".join(lines)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        assert match, text
        url = match.group(1)
        assert "anthropic (api, anthropic, https://api.anthropic.com)" in text
        assert f"export ANTHROPIC_BASE_URL={url}" in text
        with urllib.request.urlopen(url + "/healthz", timeout=10) as resp:
            assert resp.status == 200
        with urllib.request.urlopen(url + "/v1/models", timeout=10) as resp:
            ids = [m["id"] for m in json.loads(resp.read())["data"]]
        # the `claude-*` alias is listed as the catalog's Claude models
        assert "claude-sonnet-4-6" in ids and all(i.startswith("claude-") for i in ids)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    except BaseException:
        proc.kill()
        raise
    return text, err


@pytest.mark.parametrize("flag", ["--help"])
def test_scripts_run_passes_flags_to_serve(flag: str) -> None:
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "run"), flag],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0
    assert "--no-wait" in run.stdout and "embedded defaults" in run.stdout
