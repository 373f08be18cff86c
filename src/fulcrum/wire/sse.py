"""Server-sent events: an incremental decoder and an encoder.

The decoder follows the WHATWG event-stream rules that matter for LLM APIs: lines end
in LF, CRLF or CR (a CR at the end of one chunk and an LF at the start of the next is
one line ending); a line starting with ``:`` is a comment; ``data`` lines of one event
are joined with ``\\n``; one leading space after the colon is removed; an event is
dispatched at a blank line, and only when it carried data. ``id`` and ``retry`` are
accepted and ignored. Bytes are buffered until an event is complete, so a UTF-8
character split across chunks decodes correctly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["SSEDecoder", "SSEEvent", "encode_sse", "json_event"]


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event: its ``event:`` name (None when absent) and its data."""

    event: str | None
    data: str

    def json(self) -> Any:
        """The data parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.data)

    def object(self) -> dict[str, Any] | None:
        """The data as a JSON object; None when it is not one (not JSON, or another value)."""
        try:
            data = json.loads(self.data)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


def json_event(obj: dict[str, Any], event: str | None = None) -> SSEEvent:
    """An event whose data is ``obj`` as compact JSON, named ``event`` or ``obj["type"]``."""
    name = event if event is not None else obj.get("type")
    return SSEEvent(name if isinstance(name, str) else None, json.dumps(obj, separators=(",", ":")))


def encode_sse(event: SSEEvent) -> bytes:
    """The wire bytes of one event, terminated by a blank line."""
    head = f"event: {event.event}\n" if event.event is not None else ""
    if "\n" in event.data or "\r" in event.data:
        lines = event.data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        body = "".join(f"data: {line}\n" for line in lines)
    else:
        body = f"data: {event.data}\n"
    return f"{head}{body}\n".encode()


class SSEDecoder:
    """Feed raw bytes as they arrive; get back every event completed by them."""

    __slots__ = ("_buffer", "_pending_cr")

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = False

    def feed(self, data: bytes) -> list[SSEEvent]:
        if not data:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if data.startswith(b"\n"):
                data = data[1:]
        if b"\r" in data:
            if data.endswith(b"\r"):
                self._pending_cr = True
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buffer = self._buffer + data
        end = buffer.rfind(b"\n\n")
        if end < 0:
            self._buffer = buffer
            return []
        self._buffer = buffer[end + 2 :]
        events: list[SSEEvent] = []
        for block in buffer[:end].split(b"\n\n"):
            event = _parse_block(block)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[SSEEvent]:
        """Dispatch a final event the stream ended without a blank line after."""
        block, self._buffer = self._buffer, b""
        self._pending_cr = False
        event = _parse_block(block.rstrip(b"\n")) if block else None
        return [event] if event is not None else []


def _parse_block(block: bytes) -> SSEEvent | None:
    name: str | None = None
    data: list[str] = []
    for raw in block.split(b"\n"):
        if not raw or raw.startswith(b":"):
            continue
        line = raw.decode("utf-8", errors="replace")
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value or None
    if not data:
        return None
    return SSEEvent(name, "\n".join(data))
