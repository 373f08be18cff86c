"""``decide --usage --probe`` on the example scenario: the inputs are labelled measured and
the numbers follow them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fulcrum.probe.store import save_run
from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "examples" / "seed_000_shared_spark.toml")
SPARK = "DGX Spark (shared by 3)"
Capsys = pytest.CaptureFixture[str]
DECIDE = ["decide", SCENARIO, "--json", "--no-save", "--draws", "200"]


def _line(msg: str, ts: str) -> str:
    usage = {"input_tokens": 0, "output_tokens": 200_000, "cache_read_input_tokens": 0,
             "cache_creation_input_tokens": 0}  # fmt: skip
    message = {"id": msg, "model": "claude-sonnet-4-5-20250929", "usage": usage}
    return json.dumps({"type": "assistant", "sessionId": "s", "cwd": "/src/app",
                       "requestId": f"req-{msg}", "timestamp": ts, "message": message})  # fmt: skip


def _import_logs(tmp_path: Path, capsys: Capsys) -> None:
    # Sonnet 4.5 output at $15 per M: $3 on the 2nd, $6 on the 3rd -> mean $4.50, p95 $6
    days = ["2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z", "2026-11-03T10:00:00Z"]
    logs = tmp_path / "projects" / "p" / "s.jsonl"
    logs.parent.mkdir(parents=True)
    logs.write_text("".join(_line(f"m{i}", ts) + "\n" for i, ts in enumerate(days)))
    assert run_cli(["usage", "import", str(tmp_path / "projects")], capsys)[0] == 0


def _slow_run() -> str:
    run: dict[str, Any] = {
        "run_id": "20261120T100000Z-abcdef",
        "date": "2026-11-20T10:00:00+00:00",
        "url": "http://spark.lan:8080",
        "model": "qwen3-coder",
        "api": "openai",
        "result": {
            "prefill": {"tokens_per_s": 800.0},
            "decode": {"tokens_per_s": 12.0},
            "goodput": 1,
            "slo": {"ttft_s": 2.0, "min_decode_tps": 10.0, "share": 0.9},
        },
        "prediction": {"hardware": "dgx-spark", "model_id": "qwen3-coder-30b-a3b"},
        "samples": [],
    }
    save_run(run)
    return str(run["run_id"])


def _options(out: str) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in json.loads(out)["options"]}


def test_decide_on_measured_usage_and_probe(tmp_path: Path, capsys: Capsys) -> None:
    code, before, _ = run_cli(DECIDE, capsys)
    assert code == 0
    assumed = {x["name"]: x for x in json.loads(before)["inputs"]}
    assert assumed["usage"]["basis"] == "assumed"
    assert assumed[f"speed of {SPARK}"]["basis"] == "assumed"
    _import_logs(tmp_path, capsys)
    run_id = _slow_run()
    code, after, err = run_cli(
        [*DECIDE, "--usage", "--since", "2026-11-01", "--probe", run_id], capsys
    )
    assert code == 0, err
    inputs = {x["name"]: x for x in json.loads(after)["inputs"]}
    usage, speed = inputs["usage"], inputs[f"speed of {SPARK}"]
    assert usage["basis"] == "measured" and speed["basis"] == "measured"
    assert usage["source"] == "fulcrum usage store (claude-code)"
    assert usage["window"].startswith("2026-11-01 to ")
    assert "mean $4.50/day, p95 $6.00/day over 2 days" in usage["value"]
    assert "claude-sonnet-4-5-20250929 100%" in usage["value"]
    assert speed["source"].startswith(f"probe run {run_id}") and speed["date"].startswith(
        "2026-11-20"
    )
    old, new = _options(before), _options(after)
    api = "Frontier API (claude-sonnet-4-6)"
    assert Decimal(old[api]["money_monthly"]) == Decimal("750.00")
    assert Decimal(new[api]["money_monthly"]) == Decimal("135.00")  # $4.50 x 30 days
    assert new[SPARK]["decode_tokens_per_s"] == 12.0 and new[SPARK]["prefill_tokens_per_s"] == 800
    assert old[SPARK]["boxes"] == 1 and new[SPARK]["boxes"] == 3  # 3 agents, goodput 1
    tripled = 3 * Decimal(old[SPARK]["money_monthly"])  # each rounded to the cent
    assert abs(Decimal(new[SPARK]["money_monthly"]) - tripled) <= Decimal("0.02")


def test_decide_text_labels_each_input(tmp_path: Path, capsys: Capsys) -> None:
    _import_logs(tmp_path, capsys)
    argv = ["decide", SCENARIO, "--no-save", "--draws", "200", "--usage", "--since", "2026-11-01"]
    code, out, _ = run_cli(argv, capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    out = " ".join(out.split())  # the terminal wraps long labels
    assert "- usage: measured (fulcrum usage store (claude-code), 2026-11-01 to" in out
    assert f"- speed of {SPARK}: assumed (catalog dgx-spark + qwen3-coder-30b-a3b)" in out


def test_measured_inputs_fail_in_one_line(tmp_path: Path, capsys: Capsys) -> None:
    code, _, err = run_cli([*DECIDE, "--usage", "--since", "2026-11-01"], capsys)
    assert code == 2 and "no imported usage" in err and "Traceback" not in err
    code, _, err = run_cli([*DECIDE, "--probe", "no-such-run"], capsys)
    assert code == 2 and "not a stored probe run" in err and "Traceback" not in err
    _import_logs(tmp_path, capsys)
    ledger = tmp_path / "ledger.sqlite3"
    code, _, err = run_cli([*DECIDE, "--usage", "--since", "banana"], capsys)
    assert code == 2 and "--since: 'banana' is not a date" in err
    assert not ledger.exists()


def test_sweep_does_not_take_measured_inputs(capsys: Capsys) -> None:
    argv = ["decide", SCENARIO, "--sweep", "agents=1..4", "--usage"]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and "--sweep" in err and "--usage" in err
