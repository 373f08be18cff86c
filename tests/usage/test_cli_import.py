from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

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
    assert code == 2 and "claude-code, ledger" in err
