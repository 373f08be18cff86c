"""A lean HTTP/1.1 client for calls to plain-``http://`` upstreams, JSON and streams.

Local model servers (llama.cpp, Ollama, vLLM, LM Studio) sit on plain HTTP next to the
gateway, where a general-purpose client's per-request machinery is a visible share of the
latency the gateway adds. This client keeps keep-alive connections per upstream, writes a
request in one call and parses the answer with ``httptools`` in an ``asyncio.Protocol``. A
stream (:meth:`PlainPool.post_stream`) is read with ``content.readany()`` like an aiohttp
response, then ``release()``d: its connection is pooled again only if read to its end.
A whole answer's timeout is a timer of :meth:`PlainPool.post` (cheaper than
``asyncio.timeout``), a stream's is the caller's. Errors are ``OSError`` subclasses, which
the failover path retries, or ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import httptools
from yarl import URL

from fulcrum.gateway.upstream.faststream import Streamed

MAX_IDLE = 32
MAX_BUFFERED_CHUNKS = 256  # a stream's chunks held before reading from the upstream pauses
MAX_OPEN = 256  # connections in use at once, per upstream (as aiohttp's connector limit)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


class _Connection(asyncio.Protocol):
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

    async def read_chunk(self) -> bytes:
        """A stream's next bytes (all that arrived); ``b""`` once the answer is complete."""
        while not self._body:
            if self.complete:
                return b""
            if self._error is not None:
                raise self._error
            if self.closed:
                raise ConnectionResetError("upstream closed the stream mid-way")
            self._more = asyncio.get_running_loop().create_future()
            try:
                await self._more
            finally:
                self._more = None
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
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(TimeoutError("no answer before the deadline"))


class PlainPool:
    """Keep-alive connections to one ``http://host:port``."""

    def __init__(self, url: URL) -> None:
        self.host = url.host or "127.0.0.1"
        self.port = url.port or 80
        self._host_header = f"{self.host}:{self.port}".encode("latin-1")
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(MAX_OPEN)
        self._closed = False

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, self.host, self.port)
        return conn

    def _request(self, target: str, headers: Mapping[str, str], body: bytes) -> bytes:
        lines = [b"POST ", target.encode("latin-1"), b" HTTP/1.1\r\nhost: ", self._host_header]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError(f"header {name!r} holds a line break")
            lines += [b"\r\n", name.encode("latin-1"), b": ", value.encode("latin-1")]
        lines += [b"\r\ncontent-length: ", str(len(body)).encode(), b"\r\n\r\n", body]
        return b"".join(lines)

    async def post(
        self, url: URL, headers: Mapping[str, str], body: bytes, *, timeout: float | None = None
    ) -> Answer:
        """POST ``body``; the whole answer within ``timeout`` seconds (``TimeoutError``).
        A pooled connection the server closed while idle is replaced."""
        request = self._request(url.raw_path_qs, headers, body)
        if timeout is None or self._slots.locked() or not self._idle:
            async with asyncio.timeout(timeout):  # waiting for a slot or a connect counts
                async with self._slots:
                    return await self._send(request, None)
        async with self._slots:
            return await self._send(request, asyncio.get_running_loop().time() + timeout)

    async def post_stream(self, url: URL, headers: Mapping[str, str], body: bytes) -> Streamed:
        """POST ``body`` and return at the answer's headers; the caller reads and releases."""
        request = self._request(url.raw_path_qs, headers, body)
        await self._slots.acquire()
        try:
            conn, answer = await self._open(request, stream=True)
        except BaseException:
            self._slots.release()
            raise
        return Streamed(self, conn, answer)

    async def _send(self, request: bytes, deadline: float | None) -> Answer:
        conn, answer = await self._open(request, stream=False, deadline=deadline)
        self._release(conn)
        return answer

    async def _open(
        self, request: bytes, *, stream: bool, deadline: float | None = None
    ) -> tuple[_Connection, Answer]:
        while self._idle:
            conn = self._idle.pop()
            if conn.closed:
                continue
            try:
                return conn, await conn.roundtrip(request, stream=stream, deadline=deadline)
            except (ConnectionResetError, BrokenPipeError):
                if conn.received:
                    raise
                continue  # stale keep-alive connection: nothing was answered, send again
        conn = await self._connect()
        return conn, await conn.roundtrip(request, stream=stream, deadline=deadline)

    def end_stream(self, conn: _Connection) -> None:
        """A stream's connection: pooled again if read to its end, else closed."""
        if conn.complete:
            self._release(conn)
        else:
            conn.close()
        self._slots.release()

    def _release(self, conn: _Connection) -> None:
        if not conn.closed and not self._closed and len(self._idle) < MAX_IDLE:
            self._idle.append(conn)
        elif not conn.closed:
            conn.close()

    def close(self) -> None:
        """Close the idle connections now, and each one in use when its call ends."""
        self._closed = True
        while self._idle:
            self._idle.pop().close()
