"""``decide --sweep``: every option's cost along one input, and where they cross."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.sweep import parse_sweep, run_sweep
from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "examples" / "seed_003_fleet.toml"
TIERS = ROOT / "examples" / "seed_000_tiers.toml"


def test_parse_sweep_ranges() -> None:
    assert parse_sweep("agents=1..4").values == (1, 2, 3, 4)
    s = parse_sweep("scenario.usd_per_kwh=0.1..0.3:0.1")
    assert s.key == "scenario.usd_per_kwh" and s.values == (D("0.1"), D("0.2"), D("0.3"))


def test_seed000_cost_equivalence_is_a_computed_crossing() -> None:
    result = run_sweep(TIERS, load_catalog(), parse_sweep("agents=1..4"))
    rtx = next(c for c in result["crossings"] if c["options"].endswith("| RTX 5090"))
    # $9,250 / 36 = $257/month against $250 per developer: equal at 1.03 developers
    assert rtx["at"] == "1.03" and rtx["between"] == "1..2" and rtx["cheaper_after"] == "RTX 5090"


def test_fleet_sweep_prints_crossings_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(["decide", "--sweep", "agents=1..10", str(FLEET)], capsys)
    assert code == 0
    assert "Crossings (total incl. tax):" in out and " at 6.81 (between 6..7)" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = run_cli(["decide", "--sweep", "agents=1..10", str(FLEET), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and len(data["rows"]) == 10 and data["crossings"]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("agents=5..1", "LOW <= HIGH"),
        ("agents", "KEY=LOW..HIGH"),
        ("agentz=1..3", "unknown input 'agentz'"),
        ("api.agentz=1..3", "did you mean `agents`"),
        ("agents=1..1000000", "more than 200 points"),
    ],
)
def test_bad_sweeps_exit_2(capsys: pytest.CaptureFixture[str], spec: str, needle: str) -> None:
    code, _, err = run_cli(["decide", "--sweep", spec, str(FLEET)], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_wide_sweeps_split_into_tables_that_fit_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    topology = str(ROOT / "examples" / "seed_003_topology.toml")
    code, out, _ = run_cli(["decide", "--sweep", "agents=1..3", topology], capsys)
    assert code == 0 and "…" not in out and "$12,190" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_crossing_is_where_the_costs_meet_not_a_straight_line_between_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # costs over the horizon are not straight lines: a coarse sweep found its crossings by
    # interpolating and missed them by up to a step; now it decides again between its steps
    path = tmp_path / "h.toml"
    path.write_text(FLEET.read_text().replace("horizons = [3, 5]\n", ""))
    found = []
    for step in ("2.5", "0.25"):
        spec = f"horizon_years=0.5..15:{step}"
        code, out, _ = run_cli(["decide", str(path), "--sweep", spec, "--json"], capsys)
        data = json.loads(out)
        assert code == 0 and data["crossings"] and data["money_crossings"]
        found.append({(c["options"], c["at"]) for c in data["crossings"] + data["money_crossings"]})
    assert found[0] == found[1]
