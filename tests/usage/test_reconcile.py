from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.ledger import LedgerRow, LedgerWriter, Pricer, open_store
from fulcrum.testing.cli import run_cli
from fulcrum.usage.reconcile import match
from fulcrum.usage.records import UsageRecord

from .logs import assistant, write_jsonl

SONNET = "claude-sonnet-4-5-20250929"
T0 = datetime(2026, 11, 2, 9, 12, tzinfo=UTC)


def _ledger(url: str, rows: list[LedgerRow]) -> None:
    writer = LedgerWriter(open_store(url), Pricer())
    for row in rows:
        writer.submit(row)
    writer.close()


def _import_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = [
        # same call in both: exact
        assistant("m1", "r1", "2026-11-02T09:12:01Z", inp=100, out=50, write_5m=1000),
        # log input is a placeholder, output misses thinking tokens
        assistant("m2", "r2", "2026-11-02T09:13:01Z", inp=1, out=10, read=1000),
        # next day, cache split differently; unknown model
        assistant("m3", "r3", "2026-11-03T10:00:01Z", model="mystery", inp=5, out=5, read=10),
        # only in the logs
        assistant("m4", "r4", "2026-11-03T18:00:00Z", inp=5, out=5),
    ]
    write_jsonl(tmp_path / "projects" / "p" / "sess-1.jsonl", logs)
    url = str(tmp_path / "gw.sqlite3")
    day2 = T0 + timedelta(days=1, minutes=48)
    _ledger(
        url,
        [
            LedgerRow(ts=T0, session="sess-1", model=SONNET, input_tokens=100,
                      output_tokens=50, cache_write_tokens=1000),
            LedgerRow(ts=T0 + timedelta(minutes=1), session="sess-1", model=SONNET,
                      input_tokens=900, output_tokens=400, cache_read_tokens=1000),
            LedgerRow(ts=day2, session="sess-1", model="mystery", input_tokens=5,
                      output_tokens=5, cache_write_tokens=10),
            LedgerRow(ts=day2, session="other", model=SONNET, input_tokens=7),
        ],
    )  # fmt: skip
    assert run_cli(["usage", "import", str(tmp_path / "projects")], capsys)[0] == 0
    assert run_cli(["usage", "import", "--from", "ledger", url], capsys)[0] == 0


def test_reconcile_reports_differences_and_causes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import_both(tmp_path, capsys)
    code, out, err = run_cli(["usage", "reconcile", "--since", "2026-11-01", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["agrees"] is False
    assert data["total"]["calls"] == 3
    assert [r["key"] for r in data["unmatched_a"]] == ["m4/r4"]
    assert [r["session"] for r in data["unmatched_b"]] == ["other"]
    day1 = data["by_day"]["2026-11-02"]
    assert day1["token_diff"] == {
        "input_tokens": 899,
        "output_tokens": 390,
        "cache_write_tokens": 0,
        "cache_read_tokens": 0,
    }
    # Sonnet 4.5: $3 per M input, $15 per M output
    assert Decimal(day1["cost_diff_usd"]) == Decimal("0.008547")
    assert data["by_model"]["mystery"]["cost_diff_usd"] is None  # unknown stays unknown
    assert data["total"]["cost_diff_usd"] is None
    causes = {k: v["calls"] for k, v in data["causes"].items()}
    assert causes == {"input_placeholder": 1, "output_short": 1, "cache_tiers": 1}
    code, out, _ = run_cli(["usage", "reconcile", "--since", "2026-11-01"], capsys)
    assert code == 0 and "token totals differ" in out
    assert "thinking tokens" in out and "cache tiers" in out and "unknown" in out
    assert max(map(len, out.splitlines())) <= 80


def test_match_prefers_same_model_then_tokens() -> None:
    def rec(source: str, key: str, model: str, inp: int, s: int = 0) -> UsageRecord:
        return UsageRecord(source=source, key=key, ts=T0 + timedelta(seconds=s), model=model,
                           session="s", input_tokens=inp)  # fmt: skip

    a = [rec("a", "1", "x", 100), rec("a", "2", "y", 100, 1)]
    b = [rec("b", "1", "y", 100), rec("b", "2", "x", 90, 400), rec("b", "3", "x", 100, 2)]
    pairs, left, right = match(a, b, timedelta(seconds=10))
    assert [(x.key, y.key) for x, y in pairs] == [("1", "3"), ("2", "1")]
    assert (left, [r.key for r in right]) == ([], ["2"])


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf", "-inf", "1e300", "86401"])
def test_a_tolerance_out_of_range_is_one_line_exit_2(
    seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["usage", "reconcile", "--tolerance-s", seconds], capsys)
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert "--tolerance-s: expected a number in [0, 86400], got" in err and "Traceback" not in err


def test_a_tolerance_of_a_day_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["usage", "reconcile", "--tolerance-s", "86400"], capsys)[0] == 0


def test_nothing_to_reconcile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["usage", "reconcile"], capsys)
    assert code == 0 and "no usage to reconcile" in out
    code, out, _ = run_cli(["usage", "reconcile", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["agrees"] is None and "no usage to reconcile" in data["note"]
    assert data["total"]["calls"] == 0 and data["unmatched_a"] == data["unmatched_b"] == []


@pytest.mark.parametrize("command", [[], ["reconcile"]])
def test_since_after_until_is_one_line_exit_2(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["usage", *command, "--since", "2026-02-01", "--until", "2026-01-01"]
    code, out, err = run_cli(args, capsys)
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert "--since: 2026-02-01 is after --until 2026-01-01" in err
    code, _, err = run_cli(["usage", *command, "--since", "2026-01-02", "--until",
                            "2026-01-01T12:00:00Z"], capsys)  # fmt: skip
    assert code == 2 and "--since: 2026-01-02 is after --until 2026-01-01T12:00:00Z" in err
    code, _, err = run_cli(["usage", *command, "--since", "9999-01-01"], capsys)
    assert code == 2 and "--since: 9999-01-01 is after --until now" in err
    code, _, err = run_cli(["usage", *command, "--since", "2026-01-01", "--until",
                            "2026-01-01"], capsys)  # fmt: skip
    assert code == 0, err  # --until's day is included: one day


def test_an_until_near_year_one_still_has_a_window(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ([], ["reconcile"]):
        code, _, err = run_cli(["usage", *command, "--until", "0001-01-01"], capsys)
        assert code == 0 and "Traceback" not in err
