"""Shared fixtures: every test gets its own data directory; nothing talks to the internet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Real components (llama.cpp server, Claude Code CLI): fixtures and the CI rule for missing ones.
pytest_plugins = ["fulcrum.testing.pytest_plugin"]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "fulcrum-data"
    monkeypatch.setenv("FULCRUM_DATA_DIR", str(data))
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    yield data
