"""A lean HTTP/1.1 client for calls to plain-``http://`` upstreams, JSON and streams.

Local model servers (llama.cpp, Ollama, vLLM, LM Studio) sit on plain HTTP next to the
gateway, where a general-purpose client's per-request machinery is a visible share of the
latency the gateway adds. This client keeps keep-alive connections per upstream, writes a
request in one call and parses the answer with ``httptools`` in an ``asyncio.Protocol``. A
stream (:meth:`PlainPool.post_stream`) is read with ``content.readany()`` like an aiohttp
response, then ``release()``d: its connection is pooled again only if read to its end.
Timeouts are timers on what the caller waits for (cheaper than ``asyncio.timeout``): a whole
answer's in :meth:`PlainPool.post`, a stream chunk's in ``readany_within``. Errors are
``OSError`` subclasses, which the failover path retries, or ``TimeoutError``. The connection
itself is :class:`fulcrum.gateway.upstream.fastconn.Connection`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from yarl import URL

from fulcrum.gateway.upstream.fastconn import Answer, Connection
from fulcrum.gateway.upstream.faststream import Streamed

MAX_IDLE = 32
MAX_OPEN = 256  # connections in use at once, per upstream (as aiohttp's connector limit)


class PlainPool:
    """Keep-alive connections to one ``http://host:port``."""

    def __init__(self, url: URL) -> None:
        self.host = url.host or "127.0.0.1"
        self.port = url.port or 80
        self._host_header = f"{self.host}:{self.port}".encode("latin-1")
        self._idle: list[Connection] = []
        self._slots = asyncio.Semaphore(MAX_OPEN)
        self._closed = False

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(Connection, self.host, self.port)
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
        if timeout is None or not self._idle or self._slots.locked():
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
    ) -> tuple[Connection, Answer]:
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

    def end_stream(self, conn: Connection) -> None:
        """A stream's connection: pooled again if read to its end, else closed."""
        if conn.complete:
            self._release(conn)
        else:
            conn.close()
        self._slots.release()

    def _release(self, conn: Connection) -> None:
        if not conn.closed and not self._closed and len(self._idle) < MAX_IDLE:
            self._idle.append(conn)
        elif not conn.closed:
            conn.close()

    def close(self) -> None:
        """Close the idle connections now, and each one in use when its call ends."""
        self._closed = True
        while self._idle:
            self._idle.pop().close()
