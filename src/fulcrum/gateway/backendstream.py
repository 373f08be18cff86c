"""A backend's open stream read as Anthropic events, with the idle and total timeouts.

Iterate an :class:`UpstreamEvents` to get each event's data as a dict as soon as its bytes
arrived: an Anthropic-format backend's events as sent, an OpenAI-format backend's chunks
translated by :class:`~fulcrum.wire.stream_to_anthropic.OpenAIToAnthropicStream`. A stream
that stalls past a timeout or breaks raises :class:`StreamBroken`; one that ends before the
message did leaves ``complete`` False. The caller releases ``opened.response``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fulcrum.gateway.relay import UPSTREAM_READ_ERRORS
from fulcrum.gateway.upstream import Opened
from fulcrum.wire.sse import SSEDecoder, SSEEvent
from fulcrum.wire.stream_to_anthropic import OpenAIToAnthropicStream


class StreamBroken(Exception):
    """The backend's stream stalled past a timeout or broke; the message says which."""


class UpstreamEvents:
    def __init__(self, opened: Opened, model: str) -> None:
        self.opened = opened
        self.openai = opened.backend.format.name == "openai"
        self.translator = OpenAIToAnthropicStream(model) if self.openai else None
        self.complete = False

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        decoder = SSEDecoder()
        async for data in self._chunks():
            for event in decoder.feed(data):
                for item in self._decode(event):
                    yield item
        for event in decoder.flush():
            for item in self._decode(event):
                yield item
        if self.translator is not None and self.complete:
            for event in self.translator.finish():
                yield json.loads(event.data)

    def _decode(self, event: SSEEvent) -> list[dict[str, Any]]:
        if event.data == "[DONE]":
            self.complete = True
            return []
        try:
            data = json.loads(event.data)
        except ValueError:
            return []
        if not isinstance(data, dict):
            return []
        if self.translator is None:
            self.complete = self.complete or data.get("type") in ("message_stop", "error")
            return [data]
        events = [json.loads(e.data) for e in self.translator.feed(data)]
        self.complete = self.complete or self.translator.done
        self.complete = self.complete or self.translator.stop_reason is not None
        return events

    async def _chunks(self) -> AsyncIterator[bytes]:
        opened = self.opened
        timeouts = opened.backend.config.timeouts
        deadline = opened.started + timeouts.total
        assert opened.response is not None, "streams are opened with aiohttp"
        content = opened.response.content
        data = opened.first
        while data:
            yield data
            remaining = deadline - time.perf_counter()
            try:
                async with asyncio.timeout(min(timeouts.idle, max(remaining, 0.0))):
                    data = await content.readany()
            except TimeoutError:
                what = "total" if remaining <= timeouts.idle else "idle"
                raise StreamBroken(f"upstream stream exceeded the {what} timeout") from None
            except UPSTREAM_READ_ERRORS as exc:
                raise StreamBroken(f"upstream stream broke ({type(exc).__name__})") from None
