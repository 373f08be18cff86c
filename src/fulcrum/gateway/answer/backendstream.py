"""A backend's open stream read as Anthropic events, with the idle and total timeouts.

Iterate an :class:`UpstreamEvents` to get each event's data as a dict as soon as its bytes
arrived: an Anthropic-format backend's events as sent, another format's stream translated
by its pump to the hub (:meth:`~fulcrum.gateway.upstream.formats.ApiFormat.to_hub_stream`). A stream
that stalls past a timeout or breaks raises :class:`~fulcrum.gateway.answer.relay.StreamBroken`
(read by :func:`~fulcrum.gateway.answer.relay.next_chunk`, as the relay reads); one that ends
before the message did leaves ``complete`` False. The caller releases ``opened.response``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fulcrum.gateway.answer.relay import next_chunk
from fulcrum.gateway.upstream.chain import Opened
from fulcrum.wire.sse import SSEDecoder, SSEEvent


class UpstreamEvents:
    def __init__(self, opened: Opened, model: str) -> None:
        self.opened = opened
        self.pump = opened.backend.format.to_hub_stream(model)  # None: Anthropic events already
        self.complete = False

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        decoder = SSEDecoder()
        pump = self.pump
        async for chunk in self._chunks():
            data = chunk if pump is None else pump.transform(chunk)
            self.complete = self.complete or (pump is not None and pump.complete)
            for item in self._decode(decoder.feed(data)):
                yield item
        tail = b""
        if pump is not None:
            tail = pump.transform(b"\n\n")  # a last event sent without a blank line after
            self.complete = self.complete or pump.complete
            tail += pump.finish() if self.complete else b""
        for item in self._decode(decoder.feed(tail) + decoder.flush()):
            yield item

    def _decode(self, events: list[SSEEvent]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for event in events:
            try:
                data = json.loads(event.data)
            except ValueError:
                continue
            if isinstance(data, dict):
                self.complete = self.complete or data.get("type") in ("message_stop", "error")
                out.append(data)
        return out

    async def _chunks(self) -> AsyncIterator[bytes]:
        opened = self.opened
        timeouts = opened.backend.config.timeouts
        deadline = opened.started + timeouts.total
        assert opened.response is not None, "a stream keeps its upstream response"
        content = opened.response.content
        data = opened.first
        while data:
            yield data
            data = await next_chunk(content, deadline, timeouts.idle)
