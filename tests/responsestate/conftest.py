"""A keeping gateway in front of the fake Anthropic and OpenAI upstreams (the plugin's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.testing.gateway import RunningGateway, fakes_config, running_gateway

from .helpers import CODEX_ALIAS, CODEX_BACKEND, KEEP


@pytest.fixture
def config_text(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> str:
    text = fakes_config(fake_anthropic.url, fake_openai.url, aliases_extra=CODEX_ALIAS)
    return text + CODEX_BACKEND.format(url=fake_openai.url)


@pytest.fixture
def keeping(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text + KEEP) as gw:
        yield gw
