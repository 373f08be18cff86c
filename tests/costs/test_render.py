"""The decision's closing line: a re-evaluation date already past is called overdue; a
recommendation the Monte Carlo draws disagree with is called fragile."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fulcrum.costs.render import reevaluate_line
from fulcrum.testing.cli import run_cli


def test_a_future_date_is_shown_as_is() -> None:
    line = reevaluate_line(date(2027, 3, 1), date(2026, 12, 1))
    assert line == "Re-evaluate on [bold]2027-03-01[/bold]"


def test_a_past_date_is_overdue_with_the_days() -> None:
    line = reevaluate_line(date(2026, 8, 5), date(2026, 12, 1))
    assert "overdue" in line
    assert "2026-08-05" in line
    assert "118 days" in line


SPREAD = """
[scenario]
name = "a wide spread"
horizon_years = 3
engineer_rate = 100
usd_per_kwh = 0.15
as_of = "2026-11-01"
[api]
model = "claude-sonnet-4-6"
agents = 3
input_tokens_per_day = 1000000
output_tokens_per_day = 1000000
[[options]]
name = "Box"
hardware = "rtx-5090"
local_model = "qwen3-coder-30b-a3b"
[capability]
dispatches_per_day = 50
baseline_failure_rate = 0.2
local_failure_rate = 0.3
rework_minutes = 10
[uncertainty]
draws = 5000
seed = 1
api_monthly_factor = [0.5, 2.0]
extra_failure_rate = [0.05, {failure_high}]
rework_minutes = [5, {rework_high}]
"""


@pytest.mark.parametrize(("failure_high", "rework_high", "fragile"), [
    (0.5, 40, True),  # the hybrid recommended on its point figures, the API cheaper in most draws
    (0.3, 20, False),
])  # fmt: skip
def test_a_recommendation_the_draws_disagree_with_is_called_fragile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], failure_high: float, rework_high: int,
    fragile: bool,
) -> None:  # fmt: skip
    path = tmp_path / "s.toml"
    path.write_text(SPREAD.format(failure_high=failure_high, rework_high=rework_high))
    code, out, _ = run_cli(["decide", str(path), "--no-save", "--json"], capsys)
    mc = json.loads(out)["uncertainty"]
    assert code == 0 and (mc["p_best_cheapest"] < 0.5) is fragile
    assert (mc["most_often"] != mc["best"]) is fragile and mc["p_most_often"] >= 0.5
    code, out, _ = run_cli(["decide", str(path), "--no-save"], capsys)
    text = " ".join(out.split())
    assert code == 0 and ("fragile: under these ranges Frontier API" in text) is fragile
