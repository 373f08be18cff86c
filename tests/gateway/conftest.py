"""Fixtures: the gateway config on the fake upstreams (the plugin's), SDK clients closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI

from .helpers import OPEN_CLIENTS, gateway_config


@pytest.fixture
def config_text(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> str:
    return gateway_config(fake_anthropic.url, fake_openai.url)


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
