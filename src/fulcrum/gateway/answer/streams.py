"""Stream pumps: what the gateway writes to the client for each upstream chunk.

A pump never buffers: every upstream chunk becomes client bytes at once. Pass-through
pumps (one per format) forward the bytes untouched and read usage from the kept chunks
after the stream ended (off the hot path); translating pumps decode SSE and re-encode as
they go, to and from Anthropic events (:mod:`fulcrum.gateway.answer.hubpumps`). Every
pump can ``fail`` mid-stream, which ends the client's stream with a well-formed error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fulcrum.wire import fastjson
from fulcrum.wire.maps import new_id
from fulcrum.wire.sse import SSEDecoder, SSEEvent, encode_sse
from fulcrum.wire.stream_to_openai import encode_chunk
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
    """Pass-through: the same format on both sides; a subclass adds its format's rules.

    Complete events are forwarded as received; the stream's format decides (once per stream,
    or only on failure) what a first chunk needs, how a cut stream is closed, whether the
    stream ended properly, and where its usage is.
    """

    def __init__(self, model: str, *, include_usage: bool = True) -> None:
        self.model = model
        self.chunks: list[bytes] = []
        self.sent: list[bytes] | None = None  # what the client got, kept when store_bodies
        self.strip_usage = False
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
        if not self._started:
            self._started = True
            out = self.first(out)
        return strip_usage_chunks(out) if self.strip_usage else out

    def first(self, out: bytes) -> bytes:
        """The stream's first complete events, as the client gets them."""
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
        raise NotImplementedError

    def usage(self) -> TokenUsage:
        return self.usage_of(b"".join(self.chunks))

    @staticmethod
    def usage_of(raw: bytes) -> TokenUsage:
        """Final usage of a complete SSE stream of this format."""
        raise NotImplementedError

    @property
    def failure(self) -> str | None:
        """Why the upstream's stream failed, when its translation found out (the upstream
        ended it with an error the client got as one, not in its last bytes)."""
        return None

    @property
    def complete(self) -> bool:
        """Whether the upstream ended its stream properly (checked on the last bytes)."""
        return self.ended(b"".join(self.chunks[-3:])[-400:])

    def ended(self, tail: bytes) -> bool:
        raise NotImplementedError


class AnthropicPump(Pump):
    """Pass-through of an Anthropic Messages stream."""

    def first(self, out: bytes) -> bytes:
        if b"message_start" in out:
            return out
        # Some local servers (llama.cpp) sometimes start without it: keep the stream valid.
        return message_start_bytes(self.model) + out

    def fail(self, message: str) -> bytes:
        self._held = b""
        stops = [
            encode_sse(SSEEvent("content_block_stop", _compact(
                {"type": "content_block_stop", "index": index}).decode()))
            for index in open_blocks(b"".join(self.chunks))
        ]  # fmt: skip
        return b"".join(stops) + anthropic_error_bytes(message)

    @staticmethod
    def usage_of(raw: bytes) -> TokenUsage:
        tracker = AnthropicUsageTracker()
        for data in _usage_events(raw):
            tracker.feed(data)
        return tracker.usage

    def ended(self, tail: bytes) -> bool:
        return b"message_stop" in tail or b"event: error" in tail


class OpenAIPump(Pump):
    """Pass-through of an OpenAI Chat Completions stream."""

    def __init__(self, model: str, *, include_usage: bool = True) -> None:
        super().__init__(model)
        # The gateway asks OpenAI-format upstreams for usage; a client that did not ask
        # for it must not get the extra usage-only chunk (empty ``choices``).
        self.strip_usage = not include_usage

    def fail(self, message: str) -> bytes:
        self._held = b""
        return openai_error_bytes(message)

    @staticmethod
    def usage_of(raw: bytes) -> TokenUsage:
        """The last chunk's usage that is an object. It comes last but for ``[DONE]``: the
        events from the one that names ``"usage":`` last are decoded, not the whole stream,
        unless they hold no usage object (``"usage":null`` came last)."""
        at = raw.rfind(b'"usage":')
        if at < 0:
            return TokenUsage(0, 0)
        start = 0  # the last blank line before it: where its event begins
        for blank in (b"\n\n", b"\r\r", b"\r\n\r\n"):
            found = raw.rfind(blank, 0, at)
            start = max(start, found + len(blank) if found >= 0 else 0)
        for part in (raw[start:], raw):
            usage = None
            for data in _usage_events(part):
                if isinstance(data.get("usage"), dict):
                    usage = openai_usage(data)
            if usage is not None:
                return usage
        return TokenUsage(0, 0)

    def ended(self, tail: bytes) -> bool:
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
    """``data`` without the SSE events whose chunk has empty ``choices`` (usage-only), however
    the upstream ends its events (``\\n\\n``, or ``\\r\\n\\r\\n`` as sse-starlette does)."""
    if b'"choices":[]' not in data and b'"choices": []' not in data:
        return data  # the common chunk: nothing to look at
    parts = _EVENT_END.split(data)  # event, its end, event, its end, ..., the rest
    kept: list[bytes] = []
    for i in range(0, len(parts), 2):
        block = parts[i]
        if not _usage_only(block):
            kept.append(block + (parts[i + 1] if i + 1 < len(parts) else b""))
    return b"".join(kept)


_EVENT_END = re.compile(rb"(\r\n\r\n|\n\n)")  # the ends Pump.transform cuts at


def _usage_only(block: bytes) -> bool:
    if b'"choices":[]' not in block and b'"choices": []' not in block:
        return False
    try:
        chunk = fastjson.loads(block.split(b"data:", 1)[1])
    except (IndexError, ValueError):
        return False
    return isinstance(chunk, dict) and chunk.get("choices") == []


def _usage_events(raw: bytes) -> Iterator[dict[str, Any]]:
    """The JSON objects of a complete SSE stream's events that mention usage."""
    decoder = SSEDecoder()
    for event in decoder.feed(raw) + decoder.flush():
        if event.data == "[DONE]" or '"usage"' not in event.data:
            continue
        if '"usage":null' in event.data and event.data.count('"usage"') == 1:
            continue  # an OpenAI chunk before the last: nothing to parse (no JSON decode)
        try:
            data = fastjson.loads(event.data)
        except ValueError:
            continue
        if isinstance(data, dict):
            yield data
