"""``fulcrum decide --eval-results``: the measured gap from an eval export drives the tax."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.evals.output import to_json
from fulcrum.evals.store import AttemptRecord
from fulcrum.evals.summary import TaxInputs, pair_tax, summarize_model, summarize_pair
from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
NO_CAPABILITY = ROOT / "examples" / "seed_000_tiers.toml"
WITH_CAPABILITY = ROOT / "examples" / "seed_003_fleet.toml"
TAX = TaxInputs(Decimal(3000), Decimal(10), Decimal(100))


def _records(n: int, ref_passes: int, cand_passes: int) -> list[AttemptRecord]:
    out = []
    for i in range(n):
        for model, passes in (("frontier", ref_passes), ("local", cand_passes)):
            ok = i < passes
            out.append(
                AttemptRecord(
                    model, f"s{i:02d}", 0, None, ok, "passed" if ok else "failed", 1, 100, 50, 1.0
                )
            )
    return out


def _export(
    tmp_path: Path, *, pair: bool = True, tax: bool = True
) -> tuple[Path, dict[str, object]]:
    records = _records(40, ref_passes=32, cand_passes=24)
    models = [summarize_model(records, m) for m in ("local", "frontier")]
    summary = summarize_pair(records, "local", "frontier") if pair else None
    cost = pair_tax(summary, TAX) if summary and tax else None
    doc = to_json("run-1", models, summary, cost)
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path, doc


def _decide(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(["decide", *args], capsys)


def _local_taxes(out: str) -> set[str]:
    data = json.loads(out)
    return {o["capability_tax_monthly"] for o in data["options"] if o["kind"] == "local"}


def test_export_tax_inputs_fill_a_scenario_without_capability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, doc = _export(tmp_path)
    args = [str(NO_CAPABILITY), "--json", "--draws", "2000"]
    code, before, _ = _decide(args, capsys)
    assert code == 0 and _local_taxes(before) == {None}  # not assessed, not $0
    assert json.loads(before)["capability_basis"].startswith("not assessed")
    code, after, _ = _decide([*args, "--eval-results", str(path)], capsys)
    assert code == 0
    data = json.loads(after)
    # gap 20 pts x 3,000 dispatches x 10 min / 60 x $100 = $10,000/month, as the export says.
    tax = doc["capability_tax"]
    assert isinstance(tax, dict) and tax["usd_per_month"] == "10000.00"
    assert _local_taxes(after) == {"10000.00"}
    assert data["capability_basis"].startswith("measured: local vs frontier on 40 specs")
    assert "gap 20.0 pts" in data["capability_basis"]


def test_measured_gap_replaces_the_scenarios_assumed_failure_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _export(tmp_path, tax=False)
    args = [str(WITH_CAPABILITY), "--json", "--draws", "2000"]
    _, before, _ = _decide(args, capsys)
    _, after, _ = _decide([*args, "--eval-results", str(path)], capsys)
    # Seed 003 assumes 20% -> 40% (+20 pts); the measured gap here is also 20 pts, so the
    # scenario's own dispatch inputs must give the same tax either way.
    assert _local_taxes(before) == _local_taxes(after) != {"0.00"}
    assert json.loads(before)["capability_basis"].startswith("given")
    assert json.loads(after)["capability_basis"].startswith("measured")


def test_measured_gap_interval_drives_the_monte_carlo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, doc = _export(tmp_path)
    code, out, _ = _decide(
        [str(NO_CAPABILITY), "--json", "--draws", "4000", "--eval-results", str(path)], capsys
    )
    assert code == 0
    gap = doc["measured_gap"]
    assert isinstance(gap, dict)
    lo, hi = gap["gap_ci_95"]
    assert 0 < lo < 0.2 < hi
    mc = json.loads(out)["uncertainty"]
    assert "extra_failure_rate" in json.dumps(mc)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("not json", "not a JSON eval export"),
        ('{"kind": "something else"}', "kind"),
        ('{"kind": "fulcrum.eval.results", "models": []}', "measured_gap"),
        (
            '{"kind": "fulcrum.eval.results", "measured_gap": {"candidate": "local", '
            '"gap_ci_95": [0, 0.1], "n_specs": 3}}',
            "measured_gap.candidate.pass_rate",
        ),
        (
            '{"kind": "fulcrum.eval.results", "measured_gap": {"candidate": {"pass_rate": 1.5}, '
            '"gap_ci_95": [0, 0.1], "n_specs": 3}}',
            "expected a number in [0, 1], got 1.5",
        ),
    ],
)
def test_bad_export_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    code, _, err = _decide([str(NO_CAPABILITY), "--eval-results", str(path)], capsys)
    assert code == 2
    assert str(path) in err and needle in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_export_without_tax_needs_a_capability_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _export(tmp_path, tax=False)
    code, _, err = _decide([str(NO_CAPABILITY), "--eval-results", str(path)], capsys)
    assert code == 2
    assert "capability_tax" in err and "[capability]" in err


def test_table_output_names_the_basis_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _decide([str(WITH_CAPABILITY), "--draws", "2000"], capsys)
    assert code == 0
    assert "Capability tax basis: given: [capability] local_failure_rate" in out


def _renamed(tmp_path: Path, doc: dict[str, object], model: str, gap: float) -> Path:
    out = json.loads(json.dumps(doc))
    out["measured_gap"]["candidate"]["model"] = model
    out["measured_gap"]["gap"] = gap
    out["measured_gap"]["gap_ci_95"] = [max(gap - 0.05, 0), gap + 0.05]
    path = tmp_path / f"{model}.json"
    path.write_text(json.dumps(out), encoding="utf-8")
    return path


def test_each_measured_gap_applies_to_the_option_running_that_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, doc = _export(tmp_path)
    text = NO_CAPABILITY.read_text()
    text = text.replace('local_model = "qwen3-coder-30b-a3b"', 'local_model = "gpt-oss-20b"', 1)
    scenario = tmp_path / "two.toml"
    scenario.write_text(text)
    qwen = _renamed(tmp_path, doc, "qwen3-coder-30b-a3b", 0.2)
    oss = _renamed(tmp_path, doc, "gpt-oss-20b", 0.05)
    args = [str(scenario), "--json", "--draws", "500", "--no-save"]
    code, out, _ = _decide([*args, "--eval-results", str(qwen), "--eval-results", str(oss)], capsys)
    assert code == 0
    taxes = {
        o["name"]: o["capability_tax_monthly"]
        for o in json.loads(out)["options"]
        if o["kind"] == "local"
    }
    # 3,000 dispatches x gap x 10 min / 60 x $100: $10,000 at 20 points, $2,500 at 5
    assert taxes == {"RTX 5090": "2500.00", "DGX Spark": "10000.00", "AMD Strix Halo": "10000.00"}
    other = _renamed(tmp_path, doc, "devstral-small-2-2512", 0.1)
    code, _, err = _decide(
        [*args, "--eval-results", str(qwen), "--eval-results", str(other)], capsys
    )
    assert code == 2 and "'devstral-small-2-2512' runs no option" in err
