"""Fixtures of the usage tests: imported logs in the test's own data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

from .logs import assistant, write_jsonl

WINDOW = ["--since", "2026-11-01", "--until", "2026-11-30"]


@pytest.fixture
def two_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = [  # Sonnet 4.5, $15 per M output: $3 a day
        assistant("m1", "r1", "2026-11-02T09:00:00Z", out=200_000),
        assistant("m2", "r2", "2026-11-03T09:00:00Z", out=200_000),
        assistant("m3", "r3", "2026-11-03T10:00:00Z", model="mystery", inp=5),
    ]
    write_jsonl(tmp_path / "projects" / "p" / "sess-1.jsonl", logs)
    assert run_cli(["usage", "import", str(tmp_path / "projects")], capsys)[0] == 0
