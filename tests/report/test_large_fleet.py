"""A fleet of 100,000 agents: amounts in full, no point drawn for an option that is out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.decision import decide
from fulcrum.costs.scenario import load_scenario
from fulcrum.report.build import ReportRequest, build_report
from fulcrum.report.series import Line, break_evens

CHEAPER_TIER = '[cheaper_tier]\nmodel = "deepseek-v3.2"\n'


@pytest.fixture
def fleet(example: Path, tmp_path: Path) -> Path:
    text = example.read_text()
    assert "\nagents = 3\n" in text and CHEAPER_TIER in text
    path = tmp_path / "fleet.toml"
    path.write_text(text.replace("\nagents = 3\n", "\nagents = 100000\n"))
    return path


def caption(html: str, chart: str) -> str:
    found = re.search(rf'data-chart="{chart}".*?<figcaption>(.*?)</figcaption>', html, re.S)
    assert found is not None
    return found.group(1)


def test_amounts_are_grouped_and_axes_carry_no_multiplier(fleet: Path) -> None:
    html = build_report(ReportRequest(fleet, draws=500))
    table = re.search(r'<table id="options">.*?</table>', html, re.S)
    assert table is not None
    amounts = re.findall(r"<td>(\$[^<]*)</td>", table.group())
    assert len(amounts) >= 8 and any(len(a) > len("$1,000,000.00") for a in amounts)
    assert all(re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts), amounts
    assert not re.search(r"\$\d{5}", caption(html, "montecarlo"))
    texts = re.findall(r">([^<>]*)</text>", html)
    assert "40,000,000" in texts or any(re.fullmatch(r"\d{1,3}(,\d{3}){2,}", t) for t in texts)
    assert [t for t in texts if re.fullmatch(r"[−-]?\d(\.\d+)?e[−-]?\d+", t)] == []


def test_a_machine_no_box_count_serves_breaks_even_with_nothing(fleet: Path) -> None:
    cat = load_catalog()
    d = decide(load_scenario(fleet, cat), cat)
    out = [o.name for o in d.options if any(r.id == "capacity" for r in o.why_not)]
    assert out  # no box count serves the fleet: priced as one box, not eligible
    text = caption(build_report(ReportRequest(fleet, draws=500)), "cumulative")
    assert not any(f"{name} breaks even" in text for name in out), text
    lines = [Line("api", 0, 100), Line("one box", 50, 10, False, priced=False),
             Line("out by a rule", 50, 10, eligible=False)]  # fmt: skip
    assert [b.option for b in break_evens(lines, 12)] == ["out by a rule"]


def test_no_tornado_against_an_ineligible_runner_up(fleet: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone.toml"
    alone.write_text(fleet.read_text().replace(CHEAPER_TIER, ""))
    html = build_report(ReportRequest(alone, draws=500))
    assert 'data-chart="tornado"' not in html
    assert 'id="no-tornado"' in html and "no other eligible option" in html
    assert 'data-chart="tornado"' in build_report(ReportRequest(fleet, draws=500))
