"""bench/gateway_spans.py runs end to end: the plain and the brain gateway each time their
requests' spans from inside the process, and the spans nest as the request path does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gateway_spans.py"


def test_spans_are_timed_inside_both_gateways(tmp_path: Path) -> None:
    out = tmp_path / "spans.json"
    argv = [sys.executable, str(BENCH), "--rounds", "1", "--requests", "30", "--warmup", "5"]
    done = subprocess.run(
        [*argv, "--json", str(out)], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "brain - plain" in done.stdout
    medians = json.loads(out.read_text())["medians_us"]
    for config in ("plain", "brain"):
        spans = medians[config]
        assert 0 < spans["route"] < spans["before_send"] < spans["serve"]
        assert 0 < spans["after_answer"] < spans["serve"]
