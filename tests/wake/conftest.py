"""A fake OpenAI-format backend on loopback for the wake-filter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fulcrum.fakes import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake
