"""The pump from Anthropic events to an OpenAI Responses client's stream (the hub's answer,
or any backend's through its own pump to the hub: :class:`~.hubpumps.ChainedPump`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.gateway.answer.streams import Pump
from fulcrum.wire.responses_api import AnthropicToResponsesStream
from fulcrum.wire.sse import SSEDecoder, encode_sse, json_event
from fulcrum.wire.usage import TokenUsage


def _encode(events: list[dict[str, Any]]) -> bytes:
    return b"".join(encode_sse(json_event(e)) for e in events)


class AnthropicToResponsesPump(Pump):
    """Anthropic events in, Responses events out, as they come."""

    def __init__(self, model: str, *, request: Mapping[str, Any] | None = None) -> None:
        super().__init__(model)
        self.decoder = SSEDecoder()
        self.translator = AnthropicToResponsesStream(model, request)
        self.stopped = False

    def transform(self, data: bytes) -> bytes:
        out: list[dict[str, Any]] = []
        for event in self.decoder.feed(data):
            if event.event in ("message_stop", "error"):
                self.stopped = True
            out.extend(self.translator.feed(event))
        return _encode(out)

    def finish(self) -> bytes:
        return self.transform(b"\n\n") + _encode(self.translator.finish())

    def fail(self, message: str) -> bytes:
        return _encode(self.translator.fail(message))

    def usage(self) -> TokenUsage:
        return self.translator.tracker.usage

    @property
    def complete(self) -> bool:
        return self.stopped
