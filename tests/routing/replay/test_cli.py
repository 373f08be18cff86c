"""``fulcrum route replay`` over a recorded ledger: shares, spend, budget events, decisions."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from fulcrum.ledger import open_store
from fulcrum.routing.replay.cli import read_rows
from fulcrum.testing.cli import run_cli

from .recorded import write_files


def replay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(["route", "replay", *argv], capsys)


def replay_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = replay(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    data: dict[str, Any] = json.loads(out)
    return data


def test_replay_reports_shares_spend_budget_events_and_decisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config, policy = write_files(tmp_path)
    data = replay_json(capsys, "--config", str(config), "--policy", str(policy))
    assert (data["rows"], data["replayed"], data["days"]) == (12, 10, 3)
    assert data["from"] == {"features": 2, "body": 8}
    assert data["not_replayable"] == {
        "neither a stored body nor recorded features": 1,
        "the stored body is not JSON": 1,
    }
    assert data["recorded"]["local_share_requests"] == pytest.approx(0.3)
    assert data["replay"]["local_share_requests"] == pytest.approx(0.4)
    frontier = data["frontier_usd"]
    assert Decimal(frontier["recorded"]["total"]) == Decimal("0.252")
    assert Decimal(frontier["recorded"]["per_day_max"]) == Decimal("0.144")
    assert Decimal(frontier["replay"]["total"]) == Decimal("0.198")
    assert Decimal(frontier["replay"]["per_day_mean"]) == Decimal("0.066")
    assert Decimal(frontier["replay"]["per_day_max"]) == Decimal("0.108")  # day 2: 3 calls
    local = data["local_usd"]["replay"]
    assert local["unknown"] == 3 and Decimal(local["total"]) > 0  # B1, S4, H1 ran on frontier
    budget = data["budget"]
    assert budget["events"] == {"budget-degraded": 1} and budget["refused"] == 0
    assert budget["first_each_day"] == [{"day": "2026-11-02", "event": "budget-degraded",
        "at": "2026-11-02T10:04:00+00:00", "window": "global/day"}]  # fmt: skip
    assert data["reasons"] == {"otherwise": 6, "never-leaves:secrets-stay-home": 2,
                               "otherwise+budget→local": 1, "rule:quick-local": 1}  # fmt: skip
    assert data["rules"] == {"(none)": 7, "secrets-stay-home": 2, "quick-local": 1}
    sessions = data["sessions"]
    assert (sessions["total"], sessions["changed_side"]) == (10, 5)
    assert sorted(sessions["changed"]) == ["A", "B", "C", "H", "S4"]
    assert sessions["changed"]["A"] == {"requests": 1, "to_local": 0, "to_frontier": 1}


def test_the_budget_rolls_over_and_since_until_pick_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config, policy = write_files(tmp_path)
    argv = ["--config", str(config), "--policy", str(policy)]
    day2 = replay_json(capsys, *argv, "--since", "2026-11-02", "--until", "2026-11-02")
    assert (day2["rows"], day2["budget"]["events"]) == (4, {"budget-degraded": 1})
    day3 = replay_json(capsys, *argv, "--since", "2026-11-03")
    assert day3["reasons"] == {"otherwise": 1, "rule:quick-local": 1}  # a new day, a new budget
    assert Decimal(day3["frontier_usd"]["replay"]["total"]) == Decimal("0.036")
    late = replay_json(capsys, *argv, "--since", "2026-11-02T10:02:30Z")
    assert late["rows"] == 4  # S3, S4 of day 2, then day 3
    assert late["budget"]["events"] == {}  # day 2's first calls are not in the period


def test_a_refusing_budget_counts_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config, policy = write_files(tmp_path, on_exhausted="refuse")
    data = replay_json(capsys, "--config", str(config), "--policy", str(policy))
    assert data["budget"]["refused"] == 1
    assert data["budget"]["events"] == {"budget-refused": 1}
    assert data["reasons"]["budget-refused"] == 1
    assert data["replay"]["requests"] == 9  # the refused request is served nowhere


def test_text_report_fits_80_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, config, policy = write_files(tmp_path)
    code, out, err = replay(capsys, "--config", str(config), "--policy", str(policy))
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 80
    for words in ("30.0% recorded → 40.0% replayed", "budget-degraded (global/day)",
                  "5 would change side", "no latency guard", "recorded features"):  # fmt: skip
        assert words in " ".join(out.split()), words


def test_the_ledger_url_flag_reads_another_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger, config, policy = write_files(tmp_path)
    moved = tmp_path / "copy.db"
    moved.write_bytes(ledger.read_bytes())
    ledger.unlink()
    data = replay_json(capsys, "--config", str(config), "--policy", str(policy),
                       "--ledger-url", str(moved))  # fmt: skip
    assert data["rows"] == 12 and data["ledger"].endswith("copy.db")


BAD = [
    ([], "--config: give the gateway config"),
    (["--since", "yesterday"], "--since: 'yesterday' is not a date"),
    (["--since", "2030-01-01"], "has no gateway requests in the chosen period"),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=["no-config", "since", "empty"])
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    _, config, policy = write_files(tmp_path)
    argv = [*(["--config", str(config), "--policy", str(policy)] if extra else []), *extra]
    code, out, err = replay(capsys, *argv)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_config_without_a_policy_needs_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config, _ = write_files(tmp_path)
    code, _, err = replay(capsys, "--config", str(config))
    assert code == 2 and "has no [policy]; give --policy POLICY.toml" in err


def test_a_long_ledger_shows_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fulcrum.routing.replay.cli.PROGRESS_AT", 3)
    ledger, _, _ = write_files(tmp_path)
    screen = io.StringIO()
    store = open_store(str(ledger), create=False)
    try:
        rows = list(read_rows(store, None, None, Console(file=screen, force_terminal=True)))
    finally:
        store.close()
    assert len(rows) == 13 and rows == sorted(rows, key=lambda r: (r.ts, r.id))
    assert "replaying" in screen.getvalue()
