from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("seed_*.toml"))
GOOD = (ROOT / "examples" / "seed_000_tiers.toml").read_text()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_decides(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["decide", str(example), "--json", "--draws", "2000"], capsys)
    assert code == 0
    data = json.loads(out)
    kinds = {"api", "local", "hybrid", "cheaper_api", "wake_box", "rent", "private_tenant"}
    assert data["recommendation"]["kind"] in kinds
    assert data["reevaluate_on"] and len(data["flip_signals"]) == 4


def test_decide_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["decide", str(ROOT / "examples" / "seed_000_tiers.toml")], capsys)
    assert code == 0
    assert (
        "Recommendation" in out
        and "Rules fired" in out
        and "Re-evaluate" in out
        and "2026-09-30" in out
    )


def test_tco_json_reproduces_seed_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["tco", str(ROOT / "examples" / "seed_000_tiers.toml"), "--json"], capsys
    )
    assert code == 0
    rows = [r for r in json.loads(out)["options"] if r["horizon_years"] == "3"]
    assert [round(float(r["total"])) for r in rows] == [9250, 8200, 8450]
    assert [round(float(r["monthly"])) for r in rows] == [257, 228, 235]


def test_throughput_json_by_catalog_and_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        [
            "throughput",
            "--json",
            "--hardware",
            "mac-studio-m3-ultra-512",
            "--model",
            "llama-3.3-70b",
            "--quant",
            "Q4_K_M",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert 8 < data["decode_tokens_per_s"] < 25 and data["prefill_tokens_per_s"] > 0
    assert data["call"]["latency_s"] > 0
    code, out, _ = run_cli(
        [
            "throughput",
            "--json",
            "--bandwidth-gbps",
            "100",
            "--model-size-gb",
            "35",
            "--params-b",
            "70",
        ],
        capsys,
    )
    assert code == 0 and json.loads(out)["decode_ceiling_tokens_per_s"] == pytest.approx(
        2.86, abs=0.01
    )


def test_throughput_calibrate_prints_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = ROOT / "data" / "reference" / "decode_calibration.csv"
    out_file = tmp_path / "params.json"
    code, out, _ = run_cli(
        ["throughput", "calibrate", str(csv), "--json", "--write", str(out_file)], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert (
        data["median_abs_pct_error"] < 12 and data["holdout_by_hardware_median_abs_pct_error"] < 12
    )
    assert json.loads(out_file.read_text())["efficiency"]["cuda"] > 0
    assert {r["class"] for r in data["by_class"]["size"]} == {"<=10B", ">40B"}
    code, out, _ = run_cli(["throughput", "calibrate", str(csv)], capsys)
    assert code == 0 and "by model size:" in out and ">40B on cuda:datacenter" in out


@pytest.mark.parametrize(
    ("edit", "field", "accepted"),
    [
        (lambda t: t.replace("[scenario]", "[scenario\n", 1), None, "not valid TOML"),
        (lambda t: t.replace("engineer_rate = 75", ""), "scenario.engineer_rate", "number >= 0"),
        (lambda t: t.replace("avg_w = 450", "avg_w = -450", 1), "options[0].avg_w", "number >= 0"),
        (
            lambda t: t.replace('model = "claude-sonnet-4-6"', 'model = "gpt-9-imaginary"'),
            "api.model",
            "accepted",
        ),
        (
            lambda t: t.replace('hardware = "dgx-spark"', 'hardware = "dgx-sparkle"'),
            "options[1].hardware",
            "dgx-spark",
        ),
        (
            lambda t: t.replace('local_model = "qwen3-coder-30b-a3b"', 'local_model = "nope"', 1),
            "local_model",
            "accepted",
        ),
        (lambda t: t + "\n[bogus]\nx = 1\n", "bogus", "accepted"),
        (
            lambda t: t.replace("local_share = 0.65", "local_share = 1.5"),
            "hybrid.local_share",
            "[0, 1]",
        ),
        (
            lambda t: t.replace("calls_per_agent_hour = 12", 'calls_per_agent_hour = "x"'),
            "concurrency.calls_per_agent_hour",
            "number",
        ),
        (
            lambda t: t.replace("horizons = [3, 5]", 'horizons = [3, "five"]'),
            "scenario.horizons",
            "number",
        ),
        (lambda t: t.replace("monthly_usd = 250", ""), "api", "monthly_usd"),
        (lambda t: t.replace("agents = 1", "agents = 0"), "api.agents", ">= 1"),
        (lambda t: t.replace("[api]", "[apx]"), "apx", "accepted"),
        (
            lambda t: t.replace("usd_per_kwh = [0.12, 0.30]", "usd_per_kwh = [0.3]"),
            "uncertainty.usd_per_kwh",
            "[low, high]",
        ),
    ],
)
def test_bad_scenarios_exit_2_naming_file_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[str], str],
    field: str | None,
    accepted: str,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(GOOD))
    code, out, err = run_cli(["decide", str(bad)], capsys)
    assert code == 2
    assert str(bad) in err and accepted in err
    if field:
        assert field in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_error_via_subprocess_has_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "neg.toml"
    bad.write_text(GOOD.replace("avg_w = 450", "avg_w = -1", 1))
    proc = subprocess.run(
        [sys.executable, "-m", "fulcrum", "tco", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "options[0].avg_w" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_capability_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = (ROOT / "examples" / "seed_003_fleet.toml").read_text()
    bad = tmp_path / "map.toml"
    bad.write_text(fleet.replace('mapping = "linear"', 'mapping = "vibes"'))
    code, _, err = run_cli(["decide", str(bad)], capsys)
    assert code == 2 and "capability.mapping" in err and "failure_ratio" in err


def test_decide_with_user_catalog_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = tmp_path / "prices.toml"
    cat.write_text(
        '[prices."seed-frontier"."seed"]\ninput = "8"\noutput = "36"\n'
        'source = "what-if: prices doubled"\nas_of = "2026-11-01"\n'
    )
    fleet = str(ROOT / "examples" / "seed_003_fleet.toml")
    code, out, _ = run_cli(
        ["decide", fleet, "--json", "--draws", "1000", "--catalog", str(cat)], capsys
    )
    assert code == 0
    data = json.loads(out)
    api = next(o for o in data["options"] if o["kind"] == "api")
    assert api["money_monthly"] == "2376.00"
    signal = next(s for s in data["flip_signals"] if s["id"] == "api-price-2x")
    assert signal["met"] is False and "x2.00" in signal["evidence"]


def test_throughput_and_tco_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["throughput", "--params-b", "8", "--model-size-gb", "4.9"], capsys)
    assert code == 2 and "--bandwidth-gbps" in err
    code, _, err = run_cli(["throughput", "--hardware", "dgx-spark", "--model", "nope"], capsys)
    assert code == 2 and "--model" in err and "llama-3.3-70b" in err
    code, _, err = run_cli(
        ["throughput", "--hardware", "dgx-spark", "--model", "llama-3-8b", "--quant", "Q9"], capsys
    )
    assert code == 2 and "Q4_K_M" in err
    no_opts = tmp_path / "noopts.toml"
    no_opts.write_text(GOOD.split("[[options]]")[0])
    code, _, err = run_cli(["tco", str(no_opts)], capsys)
    assert code == 2 and "options" in err
