"""bench/gateway_overhead.py runs end to end against the fake upstream (the baseline targets, the
lean hop, whose serial requests take turns with the baseline's, and fulcrum on the Responses
API, whose requests must be ones the gateway serves)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gateway_overhead.py"


def test_baseline_targets_run_and_report(tmp_path: Path) -> None:
    out = tmp_path / "overhead.json"
    counts = ["--serial", "20", "--concurrent", "40", "--clients", "4", "--warmup", "2"]
    argv = [
        sys.executable,
        str(BENCH),
        "--only",
        "direct",
        "direct-stream",
        "lean-hop",
        "fulcrum-resp",
    ]
    argv += counts
    argv += ["--json", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line[:6] == "direct"}
    assert set(rows) == {"direct", "direct-stream"}
    assert "one lean Python hop adds" in done.stdout
    data = json.loads(out.read_text())
    assert data["skipped"] == {}
    direct = data["results"]["direct"]
    assert direct["serial"]["ok"] == 20
    assert direct["concurrent"]["ok"] == 40
    assert direct["concurrent"]["concurrency"] == 4
    assert direct["serial"]["errors"] == 0
    assert 0 < direct["serial"]["p50_ms"] <= direct["serial"]["p99_ms"]
    stream = data["results"]["direct-stream"]["serial"]
    assert 0 < stream["ttfb_p50_ms"] <= stream["p50_ms"]
    assert data["results"]["direct"]["baselines"] == []
    around = data["results"]["lean-hop"]["baselines"]
    assert [b["ok"] for b in around] == [20]
    assert all(b["p50_ms"] > 0 for b in around)
    responses = data["results"]["fulcrum-resp"]
    assert (responses["path"], responses["serial"]["ok"], responses["serial"]["errors"]) == (
        "responses",
        20,
        0,
    )
    assert responses["concurrent"]["ok"] == 40
