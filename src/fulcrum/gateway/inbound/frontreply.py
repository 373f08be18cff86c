"""A chat exchange on the front: the request as read, the answer as bytes on its connection.

An answer is written in as few ``write`` calls as it has parts: a JSON answer is one (status
line, headers and body together), a stream one per event chunk, its head going out with the
first (HTTP/1.1 chunked; an HTTP/1.0 client gets the stream until the connection closes).
Until that first chunk nothing is on the wire, so an error before it is still a whole
answer. Every answer says ``Server: fulcrum`` and the date; header values holding a line
break are refused (no response splitting), as aiohttp refuses them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import formatdate
from http import HTTPStatus
from typing import Protocol

from fulcrum.gateway.inbound.exchange import JSON, SSE_HEADERS
from fulcrum.gateway.state import GatewayState
from fulcrum.gateway.upstream.formats import ApiFormat

REASONS = {s.value: s.phrase.encode() for s in HTTPStatus}
_date: tuple[int, bytes] = (0, b"")


class Connection(Protocol):
    """What an exchange needs of the connection it came on."""

    def send(self, data: bytes) -> None:
        """Write ``data``; ``ConnectionResetError`` when the client is gone."""

    async def drain(self) -> None:
        """Wait while the client reads slower than the answer is written."""


def http_date() -> bytes:
    """The ``Date`` header's value, formatted once a second."""
    global _date  # noqa: PLW0603 - a one-entry cache shared by every connection
    now = int(time.time())
    if _date[0] != now:
        _date = (now, formatdate(now, usegmt=True).encode())
    return _date[1]


def head(status: int, headers: Mapping[str, str], framing: bytes, *, close: bool) -> bytes:
    """The status line and headers of an answer, ``framing`` (its length or chunking) included."""
    parts = [
        b"HTTP/1.1 %d %s\r\nServer: fulcrum\r\nDate: %s\r\n"
        % (status, REASONS.get(status, b"Unknown"), http_date())
    ]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError(f"header {name!r} holds a line break")
        parts.append(f"{name}: {value}\r\n".encode())
    parts.append(framing)
    if close:
        parts.append(b"Connection: close\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


def json_answer(status: int, body: bytes, headers: Mapping[str, str], *, close: bool) -> bytes:
    """A whole JSON answer: head and body."""
    framing = b"Content-Type: %s\r\nContent-Length: %d\r\n" % (JSON.encode(), len(body))
    return head(status, headers, framing, close=close) + body


class FrontExchange:
    """An :class:`~fulcrum.gateway.inbound.exchange.Exchange` read by the front."""

    __slots__ = (
        "api",
        "body",
        "chunked",
        "client_key",
        "complete",
        "conn",
        "headers",
        "held",
        "keep_alive",
        "path",
        "query_string",
        "started",
        "state",
    )

    def __init__(
        self, conn: Connection, state: GatewayState, api: ApiFormat, *, path: str, query: str,
        headers: Mapping[str, str], client_key: str | None, body: bytes,
        keep_alive: bool, http11: bool,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.state = state
        self.api = api
        self.path = path
        self.query_string = query
        self.headers = headers
        self.client_key = client_key
        self.body = body
        self.keep_alive = keep_alive
        self.chunked = http11  # an HTTP/1.0 client reads a stream until the connection closes
        self.started = False  # the status line is out: no other answer can follow
        self.complete = False  # the whole answer is out
        self.held = b""  # a stream's head, sent with its first bytes (one write, not two)

    def answer(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        """Write a whole JSON answer at once."""
        data = json_answer(status, body, headers, close=not self.keep_alive)
        self.started, self.held = True, b""
        self.conn.send(data)
        self.complete = True

    async def respond(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.answer(status, body, headers)

    async def start_stream(self, headers: Mapping[str, str]) -> None:
        if not self.chunked:
            self.keep_alive = False
        framing = b"Transfer-Encoding: chunked\r\n" if self.chunked else b""
        self.held = head(200, {**SSE_HEADERS, **headers}, framing, close=not self.keep_alive)

    async def write(self, data: bytes) -> None:
        if not data:
            return
        self._send(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)
        await self.conn.drain()

    async def finish(self, last: bytes = b"") -> None:
        if self.chunked:
            end = b"%x\r\n%s\r\n0\r\n\r\n" % (len(last), last) if last else b"0\r\n\r\n"
        else:
            end = last
        self._send(end)
        self.complete = True

    def _send(self, data: bytes) -> None:
        if self.held:
            data, self.held = self.held + data, b""
            self.started = True
        if data:
            self.conn.send(data)
