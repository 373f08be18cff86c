"""What ``fulcrum index`` reports: which files were indexed, removed and skipped, and why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fulcrum.context.indexer import index_repository
from fulcrum.context.store import IndexStore

from .helpers import HashEmbedder

BAD_NAME = os.fsdecode(b"caf\xe9.py")  # a Latin-1 name: not UTF-8, so a lone surrogate in str


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"FULCRUM_DATA_DIR": str(data)}
    argv = [sys.executable, "-m", "fulcrum", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_file_whose_name_is_not_utf8_is_skipped_and_the_rest_indexed(
    repo: Path, tmp_path: Path
) -> None:
    (repo / BAD_NAME).write_text("def f():\n    pass\n")
    for n, embedder in enumerate((None, HashEmbedder())):
        report = index_repository(IndexStore(tmp_path / f"i{n}.sqlite3"), repo, embedder)
        assert report.skipped == ["caf\\xe9.py"]
        assert "pkg/config.py" in report.indexed and len(report.indexed) == 6
    done = _cli("index", str(repo), "--embedder", "none", "--json", data=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["skipped"] == 1 and body["files"] == 6


def test_the_report_names_the_files_and_its_lines_fit_80_columns(
    repo: Path, tmp_path: Path
) -> None:
    data = tmp_path / "d"
    (repo / BAD_NAME).write_text("def f():\n    pass\n")
    first = _cli("index", str(repo), "--embedder", "none", "--json", data=data)
    assert {"docs/guide.md", "notes.txt"} <= set(json.loads(first.stdout)["indexed_files"])
    (repo / "notes.txt").unlink()
    (repo / "pkg" / "cli.py").write_text("def main():\n    return 0\n")
    body = json.loads(_cli("index", str(repo), "--embedder", "none", "--json", data=data).stdout)
    assert body["indexed_files"] == ["pkg/cli.py"] and body["removed_files"] == ["notes.txt"]
    assert body["skipped_files"] == ["caf\\xe9.py"] and body["indexed"] == 1
    text = _cli("index", str(repo), "--embedder", "none", data=data).stdout
    lines = text.splitlines()
    assert lines[0] == str(repo.resolve()) and lines[-1] == f"  index: {body['index']}"
    assert "5 files" in lines[1] and "1 skipped" in lines[1] and "embedder none" in text
    assert all(len(line) <= 80 for line in lines[1:-1]), lines
