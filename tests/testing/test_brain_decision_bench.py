"""bench/brain_decision.py runs end to end on both body shapes: the Claude Code turns and the
one-line request of gateway_overhead.py, side by side with a second copy of the package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "brain_decision.py"


def _run(tmp_path: Path, *args: str) -> dict[str, object]:
    out = tmp_path / "decision.json"
    argv = [sys.executable, str(BENCH), "--calls", "12", "--ledger", "memory", *args]
    done = subprocess.run(
        [*argv, "--json", str(out)], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    for phase in ("new session", "pinned session", "no session"):
        assert phase in done.stdout
    result: dict[str, object] = json.loads(out.read_text())
    return result


def test_the_one_line_body_is_timed_beside_a_base_copy(tmp_path: Path) -> None:
    result = _run(tmp_path, "--body", "one-line", "--base", str(ROOT / "src"))
    assert result["body"] == "one-line"
    assert result["body_bytes_median"] < 200
    for version in ("this", "base"):
        figures = result[version]
        assert isinstance(figures, dict)
        for phase in ("new_session", "pinned_session", "no_session"):
            assert 0 < figures[phase]["p50_ms"] <= figures[phase]["p99_ms"]


def test_claude_code_turns_are_the_default(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result["body"] == "claude-code"
    assert result["body_bytes_median"] > 100_000
    assert "base" not in result


def test_an_idle_wait_before_each_decision_is_recorded(tmp_path: Path) -> None:
    result = _run(tmp_path, "--body", "one-line", "--idle-us", "200")
    assert result["idle_us"] == 200
    figures = result["this"]
    assert isinstance(figures, dict) and figures["no_session"]["p50_ms"] > 0
