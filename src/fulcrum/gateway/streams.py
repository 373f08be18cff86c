"""Stream pumps: what the gateway writes to the client for each upstream chunk.

A pump never buffers: every upstream chunk becomes client bytes at once. Pass-through
pumps forward the bytes untouched and read usage from the kept chunks after the stream
ended (off the hot path); translating pumps decode SSE and re-encode as they go. Every
pump can ``fail`` mid-stream, which ends the client's stream with a well-formed error.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fulcrum.wire.maps import new_id
from fulcrum.wire.sse import SSEDecoder, SSEEvent, encode_sse
from fulcrum.wire.stream_to_anthropic import OpenAIToAnthropicStream
from fulcrum.wire.stream_to_openai import DONE, AnthropicToOpenAIStream, encode_chunk
from fulcrum.wire.usage import AnthropicUsageTracker, TokenUsage, openai_usage


def _compact(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def anthropic_error_bytes(message: str, error_type: str = "api_error") -> bytes:
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return encode_sse(SSEEvent("error", _compact(body).decode()))


def openai_error_bytes(message: str, error_type: str = "server_error") -> bytes:
    body = {"error": {"message": message, "type": error_type, "param": None, "code": None}}
    return encode_chunk(body)


class Pump:
    """Pass-through: same format on both sides."""

    def __init__(self, api: str, model: str, *, include_usage: bool = True) -> None:
        self.api = api
        self.model = model
        self.chunks: list[bytes] = []
        self.sent: list[bytes] | None = None  # what the client got, kept when store_bodies
        # The gateway asks OpenAI-format upstreams for usage; a client that did not ask
        # for it must not get the extra usage-only chunk (empty ``choices``).
        self.strip_usage = api == "openai" and not include_usage
        self._held = b""  # the bytes of an event not yet complete: never sent half
        self._started = False

    def transform(self, data: bytes) -> bytes:
        self.chunks.append(data)
        buf = self._held + data if self._held else data
        lf, crlf = buf.rfind(b"\n\n"), buf.rfind(b"\r\n\r\n")
        if lf < 0 and crlf < 0:  # no complete event yet
            self._held = buf
            return b""
        end = max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0)
        out, self._held = buf[:end], buf[end:]
        first, self._started = not self._started, True
        if first and self.api == "anthropic" and b"message_start" not in out:
            # Some local servers (llama.cpp) sometimes start without it: keep the stream valid.
            out = message_start_bytes(self.model) + out
        if self.strip_usage and (b'"choices":[]' in out or b'"choices": []' in out):
            return strip_usage_chunks(out)
        return out

    def finish(self) -> bytes:
        """A last event the upstream ended without a blank line after."""
        tail, self._held = self._held, b""
        return tail + b"\n\n" if tail.strip() else b""

    def fail(self, message: str) -> bytes:
        """Close what the upstream left open, then the error (work done only on failure).

        A half-received event was never sent (see :meth:`transform`), so the client's
        stream is at an event boundary here.
        """
        self._held = b""
        if self.api != "anthropic":
            return openai_error_bytes(message)
        stops = [
            encode_sse(SSEEvent("content_block_stop", _compact(
                {"type": "content_block_stop", "index": index}).decode()))
            for index in open_blocks(b"".join(self.chunks))
        ]  # fmt: skip
        return b"".join(stops) + anthropic_error_bytes(message)

    def usage(self) -> TokenUsage:
        return stream_usage(self.api, b"".join(self.chunks))

    @property
    def complete(self) -> bool:
        """Whether the upstream ended its stream properly (checked on the last bytes)."""
        tail = b"".join(self.chunks[-3:])[-400:]
        if self.api == "anthropic":
            return b"message_stop" in tail or b"event: error" in tail
        return b"[DONE]" in tail


def open_blocks(raw: bytes) -> list[int]:
    """Indices of the content blocks a (cut) Anthropic stream opened and did not close."""
    opened: dict[int, None] = {}
    for event in SSEDecoder().feed(raw):
        if event.event not in ("content_block_start", "content_block_stop"):
            continue
        try:
            index = json.loads(event.data).get("index")
        except (ValueError, AttributeError):
            continue
        if not isinstance(index, int):
            continue
        if event.event == "content_block_start":
            opened[index] = None
        else:
            opened.pop(index, None)
    return list(opened)


def message_start_bytes(model: str) -> bytes:
    message: dict[str, object] = {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    }
    return encode_sse(
        SSEEvent("message_start", _compact({"type": "message_start", "message": message}).decode())
    )


def strip_usage_chunks(data: bytes) -> bytes:
    """``data`` without the SSE events whose chunk has empty ``choices`` (usage-only)."""
    kept: list[bytes] = []
    for block in data.split(b"\n\n"):
        if b'"choices":[]' in block or b'"choices": []' in block:
            try:
                chunk = json.loads(block.split(b"data:", 1)[1])
            except (IndexError, ValueError):
                chunk = None
            if isinstance(chunk, dict) and chunk.get("choices") == []:
                continue
        kept.append(block)
    return b"\n\n".join(kept)


def stream_usage(fmt: str, raw: bytes) -> TokenUsage:
    """Final usage of a complete SSE stream in format ``fmt``."""
    decoder = SSEDecoder()
    events = decoder.feed(raw) + decoder.flush()
    tracker = AnthropicUsageTracker()
    found = TokenUsage(0, 0)
    for event in events:
        if event.data == "[DONE]" or '"usage"' not in event.data:
            continue
        try:
            data = json.loads(event.data)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if fmt == "anthropic":
            tracker.feed(data)
        elif isinstance(data.get("usage"), dict):
            found = openai_usage(data)
    return tracker.usage if fmt == "anthropic" else found


class OpenAIToAnthropicPump(Pump):
    """An OpenAI-format backend streaming to an Anthropic client."""

    def __init__(self, api: str, model: str, *, include_usage: bool = True) -> None:
        super().__init__(api, model)
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


class AnthropicToOpenAIPump(Pump):
    """An Anthropic-format backend streaming to an OpenAI client."""

    def __init__(self, api: str, model: str, *, include_usage: bool = True) -> None:
        super().__init__(api, model)
        self.decoder = SSEDecoder()
        self.translator = AnthropicToOpenAIStream(model, include_usage=include_usage)
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


PUMPS: dict[tuple[str, str], Callable[..., Pump]] = {
    ("anthropic", "anthropic"): Pump,
    ("openai", "openai"): Pump,
    ("anthropic", "openai"): OpenAIToAnthropicPump,
    ("openai", "anthropic"): AnthropicToOpenAIPump,
}
