"""Inputs that cannot be misread: unknown keys, contradictions, ranges, bad flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
FLEET = (ROOT / "examples" / "seed_003_fleet.toml").read_text()
TIERS = (ROOT / "examples" / "seed_000_tiers.toml").read_text()


Edit = Callable[[str], str]


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (lambda t: t.replace("agents = 3", "agentz = 3"), ["api.agentz", "did you mean `agents`"]),
        (
            lambda t: t.replace("duty = 0.33", "dutty = 0.33"),
            ["options[0].dutty", "did you mean `duty`"],
        ),
        (
            lambda t: t.replace("rework_minutes = 10", "rework_minute = 10"),
            ["capability.rework_minute", "did you mean `rework_minutes`"],
        ),
        (
            lambda t: t.replace("horizon_years = 5", "horizon_year = 5"),
            ["scenario.horizon_year", "did you mean `horizon_years`"],
        ),
        (lambda t: t.replace("[hybrid]", "[hybird]"), ["hybird", "did you mean `hybrid`"]),
        (
            lambda t: t.replace("local_share = 0.65", "local_shar = 0.65"),
            ["hybrid.local_shar", "did you mean `local_share`"],
        ),
        (
            lambda t: t.replace("output_tokens_per_day = 400000", "output_tokens_per_day = 4\n"
                                "monthly_usd = 100"),
            ["contradictory spend", "monthly_usd and token counts"],
        ),
        (lambda t: t.replace("horizon_years = 5", "horizon_years = 100"), ["horizon_years"]),
        (lambda t: t.replace("usd_per_kwh = 0.1729", "usd_per_kwh = 1000"), ["usd_per_kwh"]),
        (lambda t: t.replace("draws = 100000", "draws = 0"), ["uncertainty.draws", "[1, 1000000]"]),
    ],
)  # fmt: skip
def test_misreadable_inputs_exit_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit, needles: list[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(FLEET))
    code, out, err = run_cli(["decide", str(bad)], capsys)
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err


def test_duplicate_option_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "dup.toml"
    bad.write_text(TIERS.replace('name = "AMD Strix Halo"', 'name = "DGX Spark"'))
    code, _, err = run_cli(["decide", str(bad)], capsys)
    assert code == 2 and "options[2].name" in err and "duplicate option name" in err


@pytest.mark.parametrize("args", [["--draws", "-5"], ["--draws", "0"]])
def test_bad_draws_and_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, _, err = run_cli(
        ["decide", str(ROOT / "examples" / "seed_003_fleet.toml"), *args], capsys
    )
    assert code == 2 and err.startswith("fulcrum: error: --draws") and "Traceback" not in err
    code, _, err = run_cli(["decide", str(tmp_path)], capsys)
    assert code == 2 and "directory" in err and len(err.strip().splitlines()) == 1


def test_understated_local_costs_are_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["decide", str(ROOT / "examples" / "seed_003_fleet.toml"), "--json"], capsys
    )
    warnings = json.loads(out)["warnings"]
    assert code == 0
    assert any("operations hours (ops_hours_per_month) left at 0" in w for w in warnings)
    assert any("all-in uplift (uplift) left at 0" in w for w in warnings)


def test_explain_cites_the_seed_figure_behind_each_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["decide", str(ROOT / "examples" / "seed_003_fleet.toml"), "--json", "--explain"]
    code, out, _ = run_cli([*args, "--no-save"], capsys)
    lines = json.loads(out)["explain"]
    assert code == 0
    assert (
        "  set  scenario.re_evaluate_days = 90: seed 003: 're-evaluate every three to six months'"
        in lines
    )
    assert any(line.startswith("  used hybrid.capability_tax_factor = 0.25") for line in lines)
    assert any("seed 003: 5-10 engineer-hours/month" in line for line in lines)
