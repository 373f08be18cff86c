"""One keep-alive HTTP/1.1 connection to a plain-``http://`` upstream (the fast path's).

One request in flight at a time; the answer parsed with ``httptools`` in an
``asyncio.Protocol``: whole (:meth:`Connection.roundtrip`), or at its headers with the body
read chunk by chunk (:meth:`Connection.read_chunk`). A deadline is a timer on the future the
caller waits on, armed only while it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import httptools

MAX_BUFFERED_CHUNKS = 256  # a stream's chunks held before reading from the upstream pauses


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._waiter: asyncio.Future[Answer] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self.received = False
        self.streaming = False  # the waiter is answered at the headers; the body read after
        self.complete = False  # the whole answer arrived
        self._error: BaseException | None = None
        self._more: asyncio.Future[None] | None = None  # a stream reader waiting for bytes

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc or ConnectionResetError("upstream closed the connection"))
        if self.streaming and not self.complete and self._error is None:
            self._error = exc or ConnectionResetError("upstream closed the stream mid-way")
            self._wake()

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self._parser is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"malformed HTTP answer ({exc})"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        parser, waiter = self._parser, self._waiter
        if self.streaming and parser is not None and waiter is not None and not waiter.done():
            waiter.set_result(Answer(parser.get_status_code(), self._headers, b""))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        if self.streaming:
            self._wake()
            if len(self._body) > MAX_BUFFERED_CHUNKS and self.transport is not None:
                self.transport.pause_reading()  # the client reads slower than the upstream sends

    def on_message_complete(self) -> None:
        parser, waiter = self._parser, self._waiter
        assert parser is not None
        self.complete = True
        if not parser.should_keep_alive():
            self.close()
        self._parser = None
        if self.streaming:
            self._wake()
        elif waiter is not None and not waiter.done():
            waiter.set_result(Answer(parser.get_status_code(), self._headers, b"".join(self._body)))

    def _fail(self, exc: Exception) -> None:
        self.close()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        if self.streaming and self._error is None:
            self._error = exc
            self._wake()

    def _wake(self) -> None:
        more = self._more
        if more is not None and not more.done():
            more.set_result(None)

    def at_eof(self) -> bool:
        """Whether the answer is complete and every byte of it was read."""
        return self.complete and not self._body

    async def read_chunk(self, deadline: float | None = None) -> bytes:
        """A stream's next bytes (all that arrived); ``b""`` once the answer is complete;
        ``TimeoutError`` when none came by ``deadline`` (the loop's clock; a timer is armed
        only when it has to wait)."""
        while not self._body:
            if self.complete:
                return b""
            if self._error is not None:
                raise self._error
            if self.closed:
                raise ConnectionResetError("upstream closed the stream mid-way")
            loop = asyncio.get_running_loop()
            self._more = more = loop.create_future()
            timer = loop.call_at(deadline, _expire, more) if deadline is not None else None
            try:
                await more
            finally:
                self._more = None
                if timer is not None:
                    timer.cancel()
        data = b"".join(self._body) if len(self._body) > 1 else self._body[0]
        if len(self._body) > MAX_BUFFERED_CHUNKS and self.transport is not None:
            self.transport.resume_reading()
        self._body = []
        return data

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def roundtrip(
        self, request: bytes, *, stream: bool = False, deadline: float | None = None
    ) -> Answer:
        """The answer (a stream's at its headers); ``TimeoutError`` at ``deadline``."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._headers, self._body, self.received = {}, [], False
        self.streaming, self.complete, self._error = stream, False, None
        timer = loop.call_at(deadline, self._expire) if deadline is not None else None
        self.transport.write(request)
        try:
            return await self._waiter
        except BaseException:
            self.close()  # cancelled, failed or timed out mid-answer: never reuse
            raise
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def _expire(self) -> None:
        if self._waiter is not None:
            _expire(self._waiter)


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("nothing came before the deadline"))
