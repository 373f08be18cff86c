"""bench/kept_responses.py runs end to end: a gateway keeping responses, a conversation made
by continuing it, every timed request answered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "kept_responses.py"


def test_the_bench_times_keeping_and_continuing(tmp_path: Path) -> None:
    out = tmp_path / "kept.json"
    argv = [sys.executable, str(BENCH), "--turns", "1", "3", "--requests", "20", "--block", "10",
            "--warmup", "5", "--json", str(out)]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert [row["case"] for row in rows] == [
        "1 message: kept", "1 turns: continued", "3 turns: continued"
    ]  # fmt: skip
    assert [(row["base"], row["this"]) for row in rows] == [
        ("not kept", "kept"), ("whole", "continued"), ("whole", "continued")
    ]  # fmt: skip
    assert all(row["base_p50"] > 0 and row["p50"] > 0 for row in rows)
    assert "3 turns: continued" in done.stdout
