"""Translating stream pumps: a format's stream to Anthropic events and back, and chains of two.

Anthropic Messages is the hub: a format other than Anthropic has one pump from its stream to
Anthropic events and one from Anthropic events to its stream; a pair of such formats is served
by a :class:`ChainedPump` of the two
(:func:`fulcrum.gateway.upstream.formats.stream_pump` composes them).
"""

from __future__ import annotations

import json

from fulcrum.gateway.answer.streams import Pump
from fulcrum.wire.sse import SSEDecoder, encode_sse
from fulcrum.wire.stream_to_anthropic import OpenAIToAnthropicStream
from fulcrum.wire.stream_to_openai import DONE, AnthropicToOpenAIStream, encode_chunk
from fulcrum.wire.usage import TokenUsage


class OpenAIToAnthropicPump(Pump):
    """An OpenAI-format backend streaming to an Anthropic client."""

    def __init__(self, model: str) -> None:
        super().__init__(model)
        self.decoder = SSEDecoder()
        self.translator = OpenAIToAnthropicStream(model)
        self.done = False

    def transform(self, data: bytes) -> bytes:
        out: list[bytes] = []
        for event in self.decoder.feed(data):
            if event.data == "[DONE]":
                self.done = True
                continue
            try:
                chunk = json.loads(event.data)
            except ValueError:
                continue
            if isinstance(chunk, dict):
                out.extend(encode_sse(e) for e in self.translator.feed(chunk))
        return b"".join(out)

    def finish(self) -> bytes:
        tail = self.transform(b"\n\n")
        return tail + b"".join(encode_sse(e) for e in self.translator.finish())

    def fail(self, message: str) -> bytes:
        return b"".join(encode_sse(e) for e in self.translator.fail(message))

    def usage(self) -> TokenUsage:
        return self.translator.usage

    @property
    def complete(self) -> bool:
        return self.done or self.translator.stop_reason is not None

    @property
    def failure(self) -> str | None:
        return self.translator.failure


class AnthropicToOpenAIPump(Pump):
    """An Anthropic-format backend streaming to an OpenAI client."""

    def __init__(self, model: str, *, include_usage: bool = True, legacy: bool = False) -> None:
        super().__init__(model)
        self.decoder = SSEDecoder()
        self.translator = AnthropicToOpenAIStream(model, include_usage=include_usage, legacy=legacy)
        self.stopped = False

    def transform(self, data: bytes) -> bytes:
        out: list[bytes] = []
        for event in self.decoder.feed(data):
            if event.event in ("message_stop", "error"):
                self.stopped = True
            out.extend(encode_chunk(c) for c in self.translator.feed(event))
        return b"".join(out)

    def finish(self) -> bytes:
        tail = self.transform(b"\n\n")
        return tail + b"".join(encode_chunk(c) for c in self.translator.finish()) + DONE

    def fail(self, message: str) -> bytes:
        error = {"type": "api_error", "message": message}
        return b"".join(encode_chunk(c) for c in self.translator.fail(error))

    def usage(self) -> TokenUsage:
        return self.translator.tracker.usage

    @property
    def complete(self) -> bool:
        return self.stopped


class ChainedPump(Pump):
    """Two translating pumps in a row: upstream format → Anthropic events → client format."""

    def __init__(self, first: Pump, second: Pump) -> None:
        super().__init__(second.model)
        self.into, self.out = first, second

    def transform(self, data: bytes) -> bytes:
        return self.out.transform(self.into.transform(data))

    def finish(self) -> bytes:
        return self.out.transform(self.into.finish()) + self.out.finish()

    def fail(self, message: str) -> bytes:
        return self.out.fail(message)

    def usage(self) -> TokenUsage:
        return self.into.usage()

    @property
    def failure(self) -> str | None:
        return self.into.failure or self.out.failure

    @property
    def complete(self) -> bool:
        return self.into.complete
