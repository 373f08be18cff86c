from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.ledger import LedgerRow, LedgerWriter, Pricer, open_store
from fulcrum.testing.cli import run_cli
from fulcrum.usage.importing import StderrProgress

from .logs import sample_projects


def test_import_json_summary_then_nothing_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    projects = sample_projects(tmp_path)
    code, out, err = run_cli(["usage", "import", str(projects), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert (data["records"], data["added"], data["malformed"]) == (6, 6, 3)
    assert (data["duplicates"], data["synthetic_skipped"]) == (3, 1)
    assert {(Path(p["file"]).name, p["line"]) for p in data["problems"]} == {
        ("sess-1.jsonl", 6),
        ("sess-1.jsonl", 7),
        ("sess-2.jsonl", 3),
    }
    code, out, _ = run_cli(["usage", "import", str(projects)], capsys)
    assert code == 0
    assert "6 records, 0 new" in out
    assert "sess-2.jsonl:3: file ends mid-line" in out
    assert "Traceback" not in out


def test_bad_path_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["usage", "import", str(tmp_path / "nope")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and "no such file or directory" in err
    assert out == ""


def test_unknown_importer_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["usage", "import", str(tmp_path), "--from", "nope"], capsys)
    assert code == 2 and "claude-code, codex, opencode, ledger" in err


def test_ledger_import_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(tmp_path / "gw.sqlite3")
    writer = LedgerWriter(open_store(url), Pricer())
    ts = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    writer.submit(LedgerRow(ts=ts, session="g", model="claude-haiku-4-5", input_tokens=1_000_000))
    writer.close()
    args = ["usage", "import", "--from", "ledger", "--ledger-url", url, "--json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert json.loads(out)["added"] == 1
    code, out, _ = run_cli(
        ["usage", "--since", "2026-11-01", "--until", "2026-11-30", "--json"], capsys
    )
    assert Decimal(json.loads(out)["total"]["cost_usd"]) == Decimal(1)  # Haiku 4.5: $1 per M input


def test_missing_ledger_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["usage", "import", "--from", "ledger", str(tmp_path / "none.sqlite3")]
    code, _, err = run_cli(args, capsys)
    assert code == 2 and err.count("\n") == 1 and "no ledger at" in err


def test_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    progress = StderrProgress(every_s=0.0)
    progress(3, 10)
    captured = capsys.readouterr()
    assert captured.out == "" and "usage import: 3/10" in captured.err
