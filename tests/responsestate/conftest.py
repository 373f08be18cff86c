"""A keeping gateway in front of the fake Anthropic and OpenAI upstreams (the plugin's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.testing.fakesconfig import with_responses_backend
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import KEEP


@pytest.fixture
def config_text(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> str:
    return with_responses_backend(fake_anthropic.url, fake_openai.url)


@pytest.fixture
def keeping(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text + KEEP) as gw:
        yield gw
