"""Calls against a provider's bucketed export: per UTC day and model, with known causes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

from .exports import anthropic_result, bucket, cost_result, page, write_json
from .logs import assistant, write_jsonl

Capsys = pytest.CaptureFixture[str]
SONNET = "claude-sonnet-4-5-20250929"
WINDOW = ["--since", "2026-11-01", "--until", "2026-11-30"]


def _logs(tmp_path: Path, capsys: Capsys) -> None:
    logs = [
        assistant("m1", "r1", "2026-11-02T09:00:00Z", inp=100, out=1_000),
        assistant("m2", "r2", "2026-11-02T11:00:00Z", inp=0, out=2_000),
        assistant("m3", "r3", "2026-11-03T09:00:00Z", inp=5, out=5),  # no bucket that day
    ]
    write_jsonl(tmp_path / "projects" / "p" / "s.jsonl", logs)
    assert run_cli(["usage", "import", str(tmp_path / "projects")], capsys)[0] == 0


def test_logs_against_the_admin_usage_report(tmp_path: Path, capsys: Capsys) -> None:
    _logs(tmp_path, capsys)
    report = page([
        bucket("2026-11-02", [anthropic_result(inp=1_100, out=3_000)]),
        bucket("2026-11-04", [anthropic_result(inp=7, out=7)]),  # nothing logged that day
    ])  # fmt: skip
    path = write_json(tmp_path / "usage.json", report)
    argv = ["usage", "import", "--from", "anthropic-usage", str(path)]
    assert run_cli(argv, capsys)[0] == 0
    argv = ["usage", "reconcile", *WINDOW, "--against", "anthropic-usage", "--json"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["match_key"].startswith("UTC day + model")
    assert (data["a"], data["b"], data["agrees"]) == ("claude-code", "anthropic-usage", False)
    day = data["by_day"]["2026-11-02"]
    assert day["calls"] == 2
    assert day["token_diff"] == {"input_tokens": 1_000, "output_tokens": 0,
                                 "cache_write_tokens": 0, "cache_read_tokens": 0}  # fmt: skip
    assert Decimal(day["cost_diff_usd"]) == Decimal("0.003")  # 1,000 input x $3 per M
    assert data["by_model"][SONNET]["calls"] == 2
    assert [r["key"] for r in data["unmatched_a"]] == ["m3/r3"]
    assert [r["ts"][:10] for r in data["unmatched_b"]] == ["2026-11-04"]
    causes = {k: v["cells"] for k, v in data["causes"].items() if v["cells"]}
    assert causes == {"export_wider": 1, "input_placeholder": 1, "missing_in_export": 1}
    argv = ["usage", "reconcile", *WINDOW, "--against", "anthropic-usage"]
    code, out, _ = run_cli(argv, capsys)
    text = " ".join(out.split())
    assert code == 0 and "matched on UTC day + model" in text
    assert "1 cells: the export counts more requests or tokens" in text
    assert max(len(line) for line in out.splitlines()) <= 80


def test_logs_against_the_cost_report(tmp_path: Path, capsys: Capsys) -> None:
    _logs(tmp_path, capsys)
    path = write_json(tmp_path / "cost.json", page([bucket("2026-11-02", [cost_result("5.25")])]))
    assert run_cli(["usage", "import", "--from", "anthropic-cost", str(path)], capsys)[0] == 0
    argv = ["usage", "reconcile", *WINDOW, "--against", "anthropic-cost", "--json"]
    code, out, _ = run_cli(argv, capsys)
    assert code == 0
    data = json.loads(out)
    day = data["by_day"]["2026-11-02"]
    # logged: 100 in x $3 + 3,000 out x $15 per M = $0.0453; the report states 5.25 cents
    assert Decimal(day["a"]["cost_usd"]) == Decimal("0.0453")
    assert Decimal(day["b"]["cost_usd"]) == Decimal("0.0525")
    assert Decimal(day["cost_diff_usd"]) == Decimal("0.0072")
    assert data["causes"]["stated_cost"]["cells"] == 1


def test_an_unknown_source_is_one_line(capsys: Capsys) -> None:
    code, _, err = run_cli(["usage", "reconcile", "--against", "invoices"], capsys)
    assert code == 2 and "--against: 'invoices' is not a source" in err
