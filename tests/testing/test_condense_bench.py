"""bench/condense.py runs end to end: a long session's move costs less condensed, and a later
turn at the kept cut costs the gateway less than the move."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "condense.py"


def test_the_bench_prints_and_writes_what_condensing_saves(tmp_path: Path) -> None:
    out = tmp_path / "condense.json"
    argv = [sys.executable, str(BENCH), "--turns", "5", "30", "--calls", "3", "--json", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "tokens whole" in done.stdout and len(done.stdout.splitlines()) == 4
    short, long = json.loads(out.read_text())["lengths"]
    assert (short["turns"], long["turns"]) == (5, 30)
    assert long["tokens_condensed"] < long["tokens_whole"] / 2 < long["tokens_whole"]
    assert long["ratio"] < short["ratio"] < 1
    assert Decimal(long["move_usd_condensed"]) < Decimal(long["move_usd_whole"])
    assert 0 < long["ms_later_turn"] < long["ms_at_move"]
