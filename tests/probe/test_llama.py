"""``fulcrum probe`` against the real llama.cpp server produces a full result set."""

from __future__ import annotations

import json

import pytest

from fulcrum.testing.cli import run_cli
from fulcrum.testing.llama import LlamaServer

pytestmark = pytest.mark.llama


def test_probe_against_llama_cpp_produces_a_full_result_set(
    llama_server: LlamaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["probe", llama_server.base_url, "--model", llama_server.model, "--json"]
    argv += ["--max-prompt-tokens", "512", "--output-tokens", "16", "--max-concurrency", "4"]
    argv += ["--repeats", "2", "--rounds", "2", "--warmup", "1", "--ttft-ms", "60000"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    run = json.loads(out)
    res = run["result"]
    assert res["prefill"]["tokens_per_s"] > 0
    assert len(res["prefill"]["points"]) == len(run["plan"]["prompt_lengths"]) == 4
    assert res["decode"]["tokens_per_s"] > 0
    assert res["decode"]["inter_token_s"]["p50"] > 0
    assert [r["concurrency"] for r in res["concurrency"]] == [1, 2, 4]
    assert all(r["aggregate_tokens_per_s"] > 0 for r in res["concurrency"])
    assert 0 <= res["goodput"] <= 4
    assert all(s["usage_given"] for s in run["samples"])
    code, listed, _ = run_cli(["probe", "--list"], capsys)
    assert run["run_id"] in listed


def test_probe_table_against_llama_cpp_fits_80_columns(
    llama_server: LlamaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["probe", llama_server.base_url, "--model", llama_server.model, "--warmup", "2"]
    argv += ["--max-prompt-tokens", "1024", "--output-tokens", "8", "--max-concurrency", "2"]
    argv += ["--repeats", "1", "--rounds", "1"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert "goodput" in out and max(len(line) for line in out.splitlines()) <= 80
