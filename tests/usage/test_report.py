"""Dollar figures computed here from the published per-million prices, not from the code."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.testing.cli import run_cli
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.report import build_report

from .logs import assistant, sample_projects, write_jsonl

M = Decimal(1_000_000)
# Sonnet 4.5: $3 in, $15 out, $0.30 cache read, $3.75 5-minute write, $6 1-hour write (2x input)
M1 = (10 * 3 + 300 * 15 + 1000 * Decimal("3.75")) / M
M2 = (5 * 3 + 50 * 15 + 200 * 6 + 4000 * Decimal("0.3")) / M
M3 = (7 * 3 + 70 * 15 + 1000 * Decimal("0.3")) / M
HAIKU = (100 * 1 + 20 * 5 + 500 * Decimal("0.1")) / M  # $1 / $5 / $0.10
OPUS = (2 * 15 + 10 * 75 + 100 * Decimal("1.5")) / M  # Opus 4.1: $15 / $75 / $1.50
DAY1 = M1 + M2 + M3 + HAIKU
DAY2 = OPUS  # plus one call of an unpriced model
WINDOW = ["--since", "2026-11-01", "--until", "2026-11-30"]


@pytest.fixture
def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    projects = sample_projects(tmp_path)
    for _ in range(2):  # imported twice, counted once
        assert run_cli(["usage", "import", str(projects)], capsys)[0] == 0
    return projects


def report_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code, out, err = run_cli(["usage", *WINDOW, "--json", *extra], capsys)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.usefixtures("imported")
def test_totals_daily_spend_and_unknown_price(capsys: pytest.CaptureFixture[str]) -> None:
    data = report_json(capsys)
    total = data["total"]
    assert total["calls"] == 6 and total["calls_unknown_price"] == 1
    assert (total["input_tokens"], total["output_tokens"]) == (10 + 5 + 7 + 100 + 2 + 1, 451)
    assert (total["cache_write_tokens"], total["cache_read_tokens"]) == (1200, 5600)
    assert Decimal(total["cost_usd"]) == DAY1 + DAY2
    daily = data["daily"]
    assert Decimal(daily["mean_usd"]) == (DAY1 + DAY2) / 2
    assert Decimal(daily["p95_usd"]) == DAY1 == Decimal(daily["max_usd"])
    assert daily["days_with_unknown_price"] == 1
    assert data["unknown_price_models"] == ["mystery-model"]
    groups = {g["model"]: g for g in data["groups"]}
    assert groups["mystery-model"]["cost_usd"] is None
    assert Decimal(groups["claude-sonnet-4-5-20250929"]["cost_usd"]) == M1 + M2 + M3


@pytest.mark.usefixtures("imported")
def test_five_hour_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = report_json(capsys)["blocks"]
    assert [(b["start"], b["calls"]) for b in blocks] == [
        ("2026-11-02T09:00:00+00:00", 3),  # 09:12, 09:40 (subagent), 13:30
        ("2026-11-02T14:00:00+00:00", 1),  # 14:20 is past 09:00 + 5 h
        ("2026-11-03T08:00:00+00:00", 2),
    ]
    assert Decimal(blocks[0]["cost_usd"]) == M1 + HAIKU + M2
    assert blocks[0]["end"] == "2026-11-02T14:00:00+00:00"


@pytest.mark.usefixtures("imported")
def test_group_by_project_session_day_and_window(capsys: pytest.CaptureFixture[str]) -> None:
    projects = {g["project"]: g["calls"] for g in report_json(capsys, "--by", "project")["groups"]}
    assert projects == {"/home/dev/shop": 4, "/home/dev/api": 2}
    sessions = {g["session"]: g["calls"] for g in report_json(capsys, "--by", "session")["groups"]}
    assert sessions == {"sess-1": 4, "sess-2": 2}
    days = report_json(capsys, "--by", "day")["groups"]
    assert [(d["day"], Decimal(d["cost_usd"])) for d in days] == [
        ("2026-11-02", DAY1),
        ("2026-11-03", DAY2),
    ]
    code, out, _ = run_cli(
        ["usage", "--since", "2026-11-03", "--until", "2026-11-03", "--json"], capsys
    )
    assert code == 0 and json.loads(out)["total"]["calls"] == 2


@pytest.mark.usefixtures("imported")
def test_text_fits_80_columns_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out_csv = tmp_path / "by-model.csv"
    code, out, err = run_cli(["usage", *WINDOW, "--csv", str(out_csv)], capsys)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "mystery-model" in out and "unknown" in out and "5-hour blocks" in out
    with out_csv.open(encoding="utf-8") as f:
        rows = {r["model"]: r for r in csv.DictReader(f)}
    assert Decimal(rows["claude-opus-4-1-20250805"]["cost_usd"]) == OPUS
    assert rows["claude-haiku-4-5-20251001"]["cache_read_tokens"] == "500"


def test_default_window_is_90_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    stamp = lambda days: (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    log = write_jsonl(
        tmp_path / "p" / "s.jsonl",
        [assistant("a", "1", stamp(1), out=5), assistant("b", "2", stamp(100), out=7)],
    )
    assert run_cli(["usage", "import", str(log)], capsys)[0] == 0
    code, out, _ = run_cli(["usage", "--json"], capsys)
    assert code == 0 and json.loads(out)["total"]["output_tokens"] == 5


def test_empty_store_and_bad_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["usage"], capsys)
    assert code == 0 and "no usage in this window" in out
    code, _, err = run_cli(["usage", "--by", "week"], capsys)
    assert code == 2 and "model, project, session, day" in err
    code, _, err = run_cli(["usage", "--since", "yesterday"], capsys)
    assert code == 2 and err.count("\n") == 1


def test_long_context_and_one_hour_writes_priced_on_the_applied_card() -> None:
    ts = datetime(2026, 11, 2, tzinfo=UTC)
    big = UsageRecord(
        source="t",
        key="k",
        ts=ts,
        model="claude-sonnet-4-5",
        input_tokens=150_000,
        output_tokens=1_000,
        cache_write_tokens=60_000,
        cache_write_1h_tokens=60_000,
    )
    report = build_report(
        [big], Pricer(load_catalog()), by="model", since=ts, until=ts + timedelta(days=1)
    )
    # over 200k prompt tokens: $6 in, $22.50 out; 1-hour writes at 2 x $6
    expected = (150_000 * 6 + 1_000 * Decimal("22.5") + 60_000 * 12) / M
    assert report.total.cost == expected
