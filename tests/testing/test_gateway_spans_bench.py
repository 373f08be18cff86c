"""bench/gateway_spans.py runs end to end: the plain and the brain gateway each time their
requests' spans from inside the process, served in turns with the direct calls, and the spans
nest as the request path does (the client's added p50 holds the gateway's own work); with
``--base``, a second checkout's two gateways are timed in the same rounds; with ``--without``,
the brain gateway with a part taken out (its learned router, its features or its ledger rows;
the bench checks the stand-in served every request)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "gateway_spans.py"


def _run(tmp_path: Path, *args: str) -> tuple[str, dict[str, dict[str, float]]]:
    out = tmp_path / "spans.json"
    argv = [sys.executable, str(BENCH), "--rounds", "1", "--requests", "30", "--warmup", "5"]
    done = subprocess.run(
        [*argv, *args, "--json", str(out)], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "brain - plain" in done.stdout
    medians: dict[str, dict[str, float]] = json.loads(out.read_text())["medians_us"]
    return done.stdout, medians


def _nested(spans: dict[str, float], *, rows: bool = True) -> None:
    assert 0 < spans["route"] < spans["before_send"] < spans["serve"]
    assert 0 < spans["after_answer"] < spans["serve"]
    # what the client sees added over the direct calls: the gateway's own work, and a hop
    assert spans["client"] > spans["before_send"] + spans["after_answer"]
    # a row is built while the loop waits on the next request's upstream: in no other span
    assert (spans["row"] > 0) if rows else (spans["row"] == 0)


def test_spans_are_timed_inside_both_gateways(tmp_path: Path) -> None:
    _, medians = _run(tmp_path)
    assert set(medians) == {"plain", "brain"}
    for config in ("plain", "brain"):
        _nested(medians[config])


def test_a_base_checkouts_gateways_run_in_the_same_rounds(tmp_path: Path) -> None:
    stdout, medians = _run(tmp_path, "--base", str(ROOT / "src"))
    assert set(medians) == {"plain", "brain", "base plain", "base brain"}
    assert "the base gateway" in stdout
    for spans in medians.values():
        _nested(spans)


def test_parts_taken_out_of_the_brain_are_timed_beside_it(tmp_path: Path) -> None:
    parts = ("--without", "scorer", "--without", "features", "--without", "rows")
    stdout, medians = _run(tmp_path, *parts)
    assert set(medians) == {
        "plain", "brain", "brain without scorer", "brain without features", "brain without rows",
    }  # fmt: skip
    assert "what each part costs the brain gateway" in stdout
    for name, spans in medians.items():
        _nested(spans, rows=name != "brain without rows")


def test_only_the_parts_it_knows_can_be_taken_out(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--without", "budget"], capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid choice: 'budget' (choose from 'scorer', 'features', 'rows')" in done.stderr
