"""Shared test helpers: the gateway config pointing at the fakes (``gateway_config``), raw
SSE reading."""

from __future__ import annotations

from typing import Any

import anthropic
import openai

from fulcrum.testing.fakesconfig import fakes_config
from fulcrum.testing.gateway import RunningGateway, post_json

gateway_config = fakes_config  # the name these tests know it by
OPEN_CLIENTS: list[anthropic.Anthropic | openai.OpenAI] = []


def claude_client(gw: RunningGateway) -> anthropic.Anthropic:
    """An Anthropic SDK client on the gateway (closed after the test by the conftest)."""
    client = anthropic.Anthropic(base_url=gw.url, api_key="client-key", max_retries=0)
    OPEN_CLIENTS.append(client)
    return client


def openai_client(gw: RunningGateway) -> openai.OpenAI:
    """An OpenAI SDK client on the gateway (closed after the test by the conftest)."""
    client = openai.OpenAI(base_url=gw.openai_base_url, api_key="client-key", max_retries=0)
    OPEN_CLIENTS.append(client)
    return client


HI = [{"role": "user", "content": "hi"}]


def legacy_call(asked: Any, *, stream: bool) -> tuple[str, str, list[str]]:
    """A legacy ``functions`` client's call in an OpenAI SDK answer or stream: its name, its
    arguments and the finish reasons, checked to come as ``function_call`` only."""
    if stream:
        chunks = [c for c in asked if c.choices]
        assert not any(c.choices[0].delta.tool_calls for c in chunks)
        calls = [c.choices[0].delta.function_call for c in chunks]
        name = next(c.name for c in calls if c is not None and c.name)
        args = "".join(c.arguments or "" for c in calls if c is not None)
        finish = [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason]
        return name, args, finish
    message = asked.choices[0].message
    assert message.tool_calls is None and message.function_call is not None
    return (
        message.function_call.name,
        message.function_call.arguments,
        [asked.choices[0].finish_reason],
    )


def sse_events(gw: RunningGateway, path: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(event, data) pairs of a raw streaming call."""
    status, _, raw = post_json(gw, path, body)
    assert status == 200, raw
    events: list[tuple[str, str]] = []
    for block in raw.decode().split("\n\n"):
        name, data = "", []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            events.append((name, "\n".join(data)))
    return events
