"""Fixtures for the context tools."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import REPO_FILES, FakeSearxng, HashEmbedder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel, text in REPO_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")  # never indexed
    return root


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def searxng() -> Iterator[FakeSearxng]:
    with FakeSearxng() as fake:
        yield fake
