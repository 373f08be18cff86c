"""``fulcrum tco``: readable at 80 columns, and a stated electricity figure kept at every
horizon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
TIERS = ROOT / "examples" / "seed_000_tiers.toml"
MORE = """
[[options]]
name = "Mac Studio M3 Ultra 512GB"
hardware = "mac-studio-m3-ultra-512"
price_usd = 95000
avg_w = 300

[[options]]
name = "Second-hand RTX 3090 pair"
price_usd = 1600
avg_w = 700
"""


@pytest.mark.parametrize("width", [80, 60])
def test_five_options_and_two_horizons_read_at_the_width(
    width: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("COLUMNS", str(width))
    five = tmp_path / "five.toml"
    five.write_text(TIERS.read_text().replace("[hybrid]", MORE + "\n[hybrid]"))
    code, out, _ = run_cli(["tco", str(five)], capsys)
    assert code == 0
    assert "…" not in out and max(len(line) for line in out.splitlines()) <= width
    assert "│ Electricity " in out and "│ Elec. by watts " in out
    assert "$95,000" in out
    assert out.count("3 years") >= 1 and out.count("5 years") >= 1


def test_a_stated_electricity_figure_is_pro_rata_at_another_horizon(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(["tco", str(TIERS), "--json"], capsys)
    rtx = [r for r in json.loads(out)["options"] if r["name"] == "RTX 5090"]
    assert code == 0
    assert [r["electricity"] for r in rtx] == ["1400.00", "2333.33"]  # $1,400 over 3 years
    assert rtx[1]["electricity_computed"] == "3407.86"  # 450 W for 5 years, beside it


def test_the_decisions_horizon_is_always_among_the_tco_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "examples" / "seed_003_fleet.toml").read_text()
    edited = text.replace("horizons = [3, 5]", "horizons = [1, 2.5, 15]")
    path = tmp_path / "h.toml"
    path.write_text(edited.replace("horizon_years = 5", "horizon_years = 3"))
    code, out, _ = run_cli(["tco", str(path), "--json"], capsys)
    horizons = [o["horizon_years"] for o in json.loads(out)["options"]]
    assert code == 0 and horizons == ["1", "2.5", "3", "15"]
