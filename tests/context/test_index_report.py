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
