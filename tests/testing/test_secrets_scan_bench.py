"""bench/secrets_scan.py runs end to end: it times a scan and names, by detector, the files of
a tree that hold a secret, and only those."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "secrets_scan.py"


def test_the_bench_flags_the_files_holding_a_secret(tmp_path: Path) -> None:
    rng = random.Random(3)
    password = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "settings.py").write_text(
        f'DATABASE_URL = "postgres://app:{password}@db/app"\n'
    )
    (tree / "pkg" / "README.md").write_text("Set DATABASE_URL to postgres://user:password@db/app\n")
    (tree / "pkg" / "data.json").write_text('{"token_type": "bearer"}\n')
    (tree / "pkg" / "notes.txt").write_text(f"redis://:{password}@cache\n")  # not a scanned kind
    out = tmp_path / "scan.json"
    argv = [sys.executable, str(BENCH), "--rounds", "3", "--root", str(tree), "--list",
            "--json", str(out)]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "3 files" in done.stdout and "1 files flagged" in done.stdout
    data = json.loads(out.read_text())
    assert data["flagged"] == {"pkg/settings.py": ["url-credentials"]}
    assert data["files"] == 3 and data["source_ms"] > 0 and data["mb_per_s"] > 0
    assert password not in done.stdout  # detector names, never the secret


def test_a_root_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    argv = [sys.executable, str(BENCH), "--root", str(tmp_path / "nothing")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "--root" in done.stderr
