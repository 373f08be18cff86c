"""The cumulative lines and their break-even points agree with the decision's figures."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.decision import decide
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.results import money
from fulcrum.costs.scenario import load_scenario
from fulcrum.costs.sweep import parse_sweep, run_sweep
from fulcrum.report import series
from fulcrum.report.build import ReportRequest, build_report, measured_scenario


def test_break_even_is_where_the_decision_says(example: Path) -> None:
    cat = load_catalog()
    sc = load_scenario(example, cat)
    d = decide(sc, cat)
    lines = series.cumulative_lines(sc, d)
    evens = {b.option: b for b in series.break_evens(lines, series.horizon_months(sc))}
    local = next(o for o in d.options if o.kind == "local")
    assert evens[local.name].month == pytest.approx(
        float(local.detail["break_even_month"]), abs=0.05
    )
    line = next(x for x in lines if x.name == local.name)
    assert line.at(evens[local.name].month) == pytest.approx(lines[0].at(evens[local.name].month))


def test_an_api_line_starts_at_zero_and_grows_by_its_bill(example: Path) -> None:
    cat = load_catalog()
    sc = load_scenario(example, cat)
    d = decide(sc, cat)
    api = series.cumulative_lines(sc, d)[0]
    assert api.upfront == 0
    assert Decimal(repr(api.monthly)).quantize(Decimal("0.01")) == d.options[0].money_monthly


def test_the_histogram_draws_match_the_monte_carlo_quantiles(example: Path) -> None:
    cat = load_catalog()
    sc = load_scenario(example, cat)
    d = decide(sc, cat)
    n = 20_000
    mc = run_monte_carlo(sc, cat, d, n)
    assert mc is not None
    draws = series.draws(sc, cat, d, n)
    for name, q in mc["options"].items():
        assert float(np.percentile(draws[name], 50)) == pytest.approx(float(q["p50"]), abs=0.01)


def test_the_agents_sweep_is_the_file_sweep_on_an_unmeasured_scenario(example: Path) -> None:
    cat = load_catalog()
    swept = series.agents_sweep(load_scenario(example, cat), cat, 9)
    by_file = run_sweep(example, cat, parse_sweep("agents=1..9"))
    assert swept["rows"] == by_file["rows"]
    assert swept["crossings"] == by_file["crossings"] != []


@pytest.mark.usefixtures("small_usage")
def test_the_agents_sweep_rests_on_the_measured_usage(example: Path) -> None:
    cat = load_catalog()
    sc = measured_scenario(ReportRequest(example, usage_since="30d"), cat).scenario
    d = decide(sc, cat)
    swept = series.agents_sweep(sc, cat)
    today = next(r for r in swept["rows"] if r["value"] == str(sc.api.agents))
    assert {o["id"]: o["total_monthly"] for o in today["options"]} == {
        o.id: money(o.total_monthly) for o in d.options
    }


@pytest.mark.usefixtures("small_usage")
def test_the_reports_agents_chart_uses_the_measured_usage(example: Path) -> None:
    def caption(usage: str | None) -> str:
        html = build_report(ReportRequest(example, usage_since=usage, draws=500))
        found = re.search(r'data-chart="agents".*?<figcaption>(.*?)</figcaption>', html, re.S)
        assert found is not None
        return found.group(1)

    assumed, measured = caption(None), caption("30d")
    assert "cross at" in assumed
    assert measured != assumed
    assert "No two options cross" in measured  # the API stays cheapest at every count
