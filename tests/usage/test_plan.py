from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fulcrum.testing.cli import run_cli

from .conftest import WINDOW


@pytest.mark.usefixtures("two_days")
def test_plan_beside_the_api_equivalent(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["usage", *WINDOW, "--plan", "claude-pro", "--json"], capsys)
    assert code == 0, err
    plan = json.loads(out)["plan"]
    assert plan["monthly_usd"] == "20" and plan["days"] == 2
    assert Decimal(plan["api_equivalent_usd"]) == 6
    assert Decimal(plan["api_equivalent_monthly_usd"]) == 90
    assert Decimal(plan["ratio"]).quantize(Decimal("0.01")) == Decimal("4.50")
    assert plan["calls_unknown_price"] == 1
    code, out, _ = run_cli(["usage", *WINDOW, "--plan", "claude-pro"], capsys)
    assert code == 0
    assert "plan Claude Pro (claude-pro): $20.00/month, $1.33 for 2 days" in out
    assert "same usage at API prices: $6.00 +1? ($90.00 per 30 days), 4.5x the plan" in out
    assert max(map(len, out.splitlines())) <= 80


def test_unknown_plan_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["usage", "--plan", "gold"], capsys)
    assert code == 2 and err.count("\n") == 1 and "claude-max-5x" in err and out == ""
