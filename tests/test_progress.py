from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from fulcrum.progress import stderr_progress


def test_a_bar_off_a_terminal_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with stderr_progress() as bar:
        task = bar.add_task("work", total=2)
        bar.advance(task)
    assert capsys.readouterr() == ("", "")


def test_a_failed_probe_says_one_line_and_nothing_else() -> None:
    """Before, the transient bar left a blank line on stderr above the error."""
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = subprocess.run(
        [sys.executable, "-m", "fulcrum", "probe", f"http://127.0.0.1:{port}", "--warmup", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1  # a server it cannot reach: the job failed, not the input
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("fulcrum: error:")
