"""The pumps of OpenAI's Responses streams: Anthropic events to a Responses client's stream
(the hub's answer, or any backend's through its own pump to the hub:
:class:`~.hubpumps.ChainedPump`), a Responses backend's stream to Anthropic events, and a
Responses stream passed through."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fulcrum.gateway.answer.streams import Pump
from fulcrum.wire.responses_api import AnthropicToResponsesStream, responses_usage
from fulcrum.wire.responses_api.stream_in import ResponsesToAnthropicStream
from fulcrum.wire.sse import SSEDecoder, SSEEvent, encode_sse, json_event
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


class ResponsesToAnthropicPump(Pump):
    """A Responses backend's stream to Anthropic events (the hub's), as they come."""

    def __init__(self, model: str) -> None:
        super().__init__(model)
        self.decoder = SSEDecoder()
        self.translator = ResponsesToAnthropicStream(model)

    def transform(self, data: bytes) -> bytes:
        out: list[SSEEvent] = []
        for event in self.decoder.feed(data):
            found = event.object()
            if found is not None:
                out.extend(self.translator.feed(found))
        return b"".join(map(encode_sse, out))

    def finish(self) -> bytes:
        return self.transform(b"\n\n") + b"".join(map(encode_sse, self.translator.finish()))

    def fail(self, message: str) -> bytes:
        return b"".join(map(encode_sse, self.translator.fail(message)))

    def usage(self) -> TokenUsage:
        return self.translator.usage

    @property
    def complete(self) -> bool:
        return self.translator.done

    @property
    def failure(self) -> str | None:
        return self.translator.failure


_SEQUENCE = re.compile(rb'"sequence_number":\s*(\d+)')
_ENDS = (b"response.completed", b"response.incomplete", b"response.failed", b"error")


class ResponsesPump(Pump):
    """Pass-through of a Responses stream: its usage is the final response's."""

    def fail(self, message: str) -> bytes:
        self._held = b""
        numbers = _SEQUENCE.findall(b"".join(self.chunks[-3:]))
        error = {"type": "error", "code": "server_error", "message": message, "param": None,
                 "sequence_number": int(numbers[-1]) + 1 if numbers else 0}  # fmt: skip
        return encode_sse(json_event(error))

    @staticmethod
    def usage_of(raw: bytes) -> TokenUsage:
        usage = TokenUsage(0, 0)
        for event in SSEDecoder().feed(raw + b"\n\n"):
            data = event.object() if event.event in _FINAL else None
            response = data.get("response") if data is not None else None
            if isinstance(response, dict):
                usage = responses_usage(response)
        return usage

    @property
    def complete(self) -> bool:
        """Read on the whole stream: the final event carries the whole response, so it can be
        longer than the tail the other formats look at."""
        return self.ended(b"".join(self.chunks))

    def ended(self, tail: bytes) -> bool:
        """Whether the last event is a final one (completed, incomplete, failed, error)."""
        at = tail.rfind(b"event: ")
        return at >= 0 and tail[at + 7 :].startswith(_ENDS)


_FINAL = ("response.completed", "response.incomplete", "response.failed")
