"""The report's ledger section on real-world ledgers: unknown amounts, gaps, long spans, names
a client chose, and a ``--ledger`` that cannot be read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.kinds import BackendKind
from fulcrum.ledger.factory import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.report import measured_charts
from fulcrum.report.sections import ledger_section
from fulcrum.testing.cli import run_cli

NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def row(days_ago: int, cost: str | None, kind: BackendKind = "api") -> LedgerRow:
    amount = None if cost is None else Decimal(cost)
    return LedgerRow(ts=NOON - timedelta(days=days_ago), backend="b", backend_kind=kind,
                     model="m", endpoint="/v1/messages", route_reason="model", input_tokens=10,
                     output_tokens=10, cost_usd=amount, counterfactual_usd=amount,
                     saving_usd=None if amount is None else Decimal(0))  # fmt: skip


def record(rows: list[LedgerRow], url: str | None = None) -> None:
    store = open_store(url)
    try:
        store.insert_many(rows)
    finally:
        store.close()


def bars(html: str, chart: str) -> int:
    return len(set(re.findall(rf'id="{chart}-mark-0-(\d+)"', html)))


def test_a_day_of_unknown_cost_is_not_drawn_as_zero() -> None:
    record([row(2, "1.00"), row(1, None), row(0, "3.00")])
    section = ledger_section(None)
    html = section.html()
    assert bars(html, "dailyspend") == 2  # the unknown day has no bar, not a $0 one
    assert "1 day of unknown cost not drawn" in html
    assert "1 call of unknown cost" in html
    (label,) = section.labels
    assert label.value == (
        "mean $2.00/day, p95 $3.00/day over 2 days; 1 day of unknown cost left out"
    )


def test_a_day_without_calls_has_no_local_share() -> None:
    svg = measured_charts.local_share([("2026-01-01", 0.5), ("2026-01-02", None),
                                       ("2026-01-03", 1.0)], None)  # fmt: skip
    mark = re.search(r'<g id="localshare-mark-0-0">(.*?)</g>', svg, re.S)
    assert mark is not None
    assert mark.group(1).count("<use ") == 2  # two points: no 0% point on the empty day


def test_many_months_keep_the_day_labels_readable() -> None:
    first = datetime(2025, 1, 1, tzinfo=UTC)
    days = [((first + timedelta(days=i)).date().isoformat(), 1.0) for i in range(400)]
    svg = measured_charts.daily_spend(days, 1.0, 1.0)
    assert bars(svg, "dailyspend") == 400
    assert 2 <= len(re.findall(r">20\d\d-\d\d-\d\d<", svg)) <= 16


def test_names_with_dollars_and_markup_are_plain_text() -> None:
    models = [
        {"model": r"a$\frac{$b", "pass_rate": 0.5, "wilson_95": [0.4, 0.6]},
        {"model": "<script>alert(1)</script>$x$", "pass_rate": 0.5, "wilson_95": [0.4, 0.6]},
    ]
    svg = measured_charts.pass_rates(models, None)
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;$x$" in svg
    assert r"a$\frac{$b" in svg


@pytest.mark.parametrize(
    ("ledger", "shown"),
    [
        ("mysql://x", "unsupported database URL scheme"),
        ("{tmp}/typo.db", "no ledger at"),
        ("postgresql://u:s3cret@127.0.0.1:1/x", "cannot connect"),
    ],
)
def test_a_ledger_given_but_unreadable_is_one_line_exit_2(
    ledger: str, shown: str, example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", str(example), "--out", str(tmp_path / "r.html"), "--draws", "200",
            "--ledger", ledger.format(tmp=tmp_path)]  # fmt: skip
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "--ledger" in err and shown in err
    assert "s3cret" not in err
    assert not (tmp_path / "r.html").exists()


def test_the_ledger_url_from_the_environment_is_read(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    db = tmp_path / "team.db"
    record([row(0, "0.25", "local")], str(db))
    monkeypatch.setenv("FULCRUM_LEDGER_URL", str(db))
    out = tmp_path / "r.html"
    code, _, err = run_cli(["report", str(example), "--out", str(out), "--draws", "200"], capsys)
    assert code == 0, err
    assert 'id="ledger" data-measured="True"' in out.read_text()
