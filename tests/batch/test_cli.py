"""``fulcrum batch submit | status | results`` against a running gateway and llama.cpp."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.llama import LlamaServer

from .helpers import llama_config, openai_lines


def _fulcrum(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "fulcrum", "batch", *args]
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=120)


@pytest.mark.llama
def test_submit_wait_status_and_results(llama_server: LlamaServer, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(openai_lines(12))
    with running_gateway(llama_config(llama_server.base_url, llama_server.model)) as gw:
        submitted = _fulcrum("submit", str(source), "--url", gw.url, "--wait")
        assert submitted.returncode == 0, submitted.stderr
        batch_id = submitted.stdout.splitlines()[0]
        assert batch_id.startswith("batch_")
        assert "completed  12 completed, 0 failed of 12" in submitted.stdout
        status = _fulcrum("status", batch_id, "--url", gw.url)
        assert status.stdout.strip() == f"{batch_id}  completed  12 completed, 0 failed of 12"
        out = tmp_path / "out.jsonl"
        results = _fulcrum("results", batch_id, "--url", gw.url, "-o", str(out))
        assert results.returncode == 0 and "12 results" in results.stdout
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(x["custom_id"] for x in lines) == sorted(f"item-{i}" for i in range(12))
    assert all(x["response"]["status_code"] == 200 for x in lines)


def test_mistakes_are_one_line_without_a_traceback(tmp_path: Path) -> None:
    missing = _fulcrum("submit", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    away = _fulcrum("status", "batch_x", "--url", "http://127.0.0.1:9")
    assert away.returncode != 0 and away.stderr.count("\n") == 1
    assert "cannot reach the gateway" in away.stderr and "Traceback" not in away.stderr
