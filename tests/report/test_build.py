"""The report's page: labels, sections, charts present, nothing to fetch."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from fulcrum.catalog import load_catalog
from fulcrum.costs.decision import decide
from fulcrum.costs.scenario import load_scenario
from fulcrum.ledger.row import LedgerRow
from fulcrum.report.build import ReportRequest, build_report
from fulcrum.report.decision_card import decision_card
from fulcrum.report.page import share, verdict
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.store import UsageStore


class Labels(HTMLParser):
    """Each input row's name and basis, the sections' measured flags, every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.sections: dict[str, str] = {}
        self.charts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-input" in a:
            self.inputs[a["data-input"] or ""] = a["data-basis"] or ""
        if tag == "section" and "data-measured" in a:
            self.sections[a["id"] or ""] = a["data-measured"] or ""
        if tag == "figure" and "data-chart" in a:
            self.charts.append(a["data-chart"] or "")
        self.links += [v for k, v in attrs if k in ("src", "href") and v]


def parse(html: str) -> Labels:
    p = Labels()
    p.feed(html)
    return p


def test_ledger_and_eval_data_are_labelled_measured_the_rest_assumed(
    example: Path, ledger_rows: list[LedgerRow], eval_export: Path
) -> None:
    page = parse(build_report(ReportRequest(example, eval_results=eval_export, draws=2000)))
    assert page.inputs["daily spend through the gateway"] == "measured"
    assert page.inputs["capability gap (capability tax)"] == "measured"
    assert page.inputs["usage"] == "assumed"
    assert page.inputs["API price"] == "assumed"
    assert page.inputs["electricity"] == "assumed"
    assert page.inputs["machine price: Mac Studio M3 Ultra 512GB"] == "assumed"
    assert page.sections == {"ledger": "True", "evals": "True", "usage": "False", "probe": "False"}
    assert {"cumulative", "agents", "montecarlo", "tornado", "passrates", "dailyspend",
            "localshare"} <= set(page.charts)  # fmt: skip


def test_without_measurements_every_input_is_assumed_and_sections_say_so(example: Path) -> None:
    html = build_report(ReportRequest(example, draws=2000))
    page = parse(html)
    assert set(page.inputs.values()) == {"assumed"}
    assert page.inputs["capability gap (capability tax)"] == "assumed"
    assert set(page.sections.values()) == {"False"}
    assert html.count("not measured yet") == 4
    assert page.charts == ["cumulative", "agents", "montecarlo", "tornado"]


def test_the_page_is_self_contained(example: Path) -> None:
    html = build_report(ReportRequest(example, draws=2000))
    page = parse(html)
    assert page.links == ["data:,"]  # the favicon, inline: nothing to fetch
    assert "<script" not in html
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)


def test_it_states_the_recommendation_signals_and_date(example: Path) -> None:
    html = build_report(ReportRequest(example, draws=2000))
    assert 'id="recommendation"' in html
    assert re.search(r'<time id="reevaluate" datetime="\d{4}-\d\d-\d\d">', html)
    assert html.count('class="met-') >= 4  # one row per flip signal of the catalog
    assert "cheapest-eligible" in html


def test_imported_usage_is_measured_and_drawn(example: Path) -> None:
    now = datetime.now(UTC)
    records = [
        UsageRecord(
            source="claude-code",
            key=f"k{i}",
            ts=now - timedelta(days=i % 5, hours=1),
            model="claude-sonnet-4-6",
            input_tokens=200_000,
            output_tokens=20_000,
        )
        for i in range(20)
    ]
    store = UsageStore()
    try:
        store.add(records)
    finally:
        store.close()
    page = parse(build_report(ReportRequest(example, usage_since="30d", draws=2000)))
    assert page.inputs["usage"] == "measured"
    assert page.sections["usage"] == "True"
    assert "usagespend" in page.charts


def _price_row(html: str, name: str) -> str:
    row = re.search(rf'data-input="machine price: {name}".*?</tr>', html, re.S)
    assert row is not None
    return row.group()


def test_the_machine_price_is_the_one_the_tco_uses_with_its_source(tmp_path: Path) -> None:
    tiers = Path(__file__).resolve().parents[2] / "examples" / "seed_000_tiers.toml"
    row = _price_row(build_report(ReportRequest(tiers, draws=500)), "RTX 5090")
    assert "$2,600" in row and "$1,999" not in row
    assert "options[0].price_usd" in row and "scenario" in row
    bare = tmp_path / "bare.toml"
    bare.write_text(tiers.read_text().replace("price_usd = 2600", ""))
    row = _price_row(build_report(ReportRequest(bare, draws=500)), "RTX 5090")
    assert "$1,999" in row and "catalog rtx-5090" in row


def _reevaluate(example: Path, now: datetime) -> str:
    html = build_report(ReportRequest(example, draws=500, now=now))
    found = re.search(r'id="recommendation".*?<div>(Re-evaluate.*?)</div>', html, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_a_past_re_evaluation_date_is_overdue_as_decide_says(example: Path) -> None:
    # the example: as_of 2026-05-07, re-evaluate after 90 days
    before = _reevaluate(example, datetime(2026, 6, 1, 9, tzinfo=UTC))
    after = _reevaluate(example, datetime(2026, 12, 4, 9, tzinfo=UTC))
    assert before == "Re-evaluate on 2026-08-05."
    assert after.startswith("Re-evaluate: overdue since 2026-08-05 (121 days;")


def test_a_share_of_draws_is_never_rounded_to_all_or_none(example: Path) -> None:
    cat = load_catalog()
    body = decide(load_scenario(example, cat), cat).as_dict()
    assert "the cheapest in 99.8% of the draws" in verdict(body, 0.99841, date(2026, 6, 1))
    assert [share(p) for p in (0.99841, 0.99999, 1.0, 0.5, 0.00004, 0.0, 0.0012)] == [
        "99.8%", "over 99.9%", "100%", "50.0%", "under 0.1%", "0%", "0.1%"
    ]  # fmt: skip


def test_names_in_a_script_the_font_lacks_warn_nothing(example: Path, tmp_path: Path) -> None:
    cjk = tmp_path / "cjk.toml"
    cjk.write_text(example.read_text().replace('"Mac Studio M3 Ultra 512GB"', '"数据中心 Mac"'))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        html = build_report(ReportRequest(cjk, draws=500))
        card = decision_card(cjk)
    assert [str(w.message) for w in seen] == []
    assert "数据中心 Mac" in html and "数据中心 Mac" in card["chart"]  # drawn as text
