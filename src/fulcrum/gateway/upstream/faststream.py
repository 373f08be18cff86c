"""A streamed answer on the plain-HTTP fast path (:mod:`fulcrum.gateway.upstream.fastpath`).

It offers what the gateway uses of an aiohttp response (``status``, ``headers``,
``content.readany()``, ``read()``, ``release()``, ``close()``), so the stream relay reads
either the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

    from fulcrum.gateway.upstream.fastconn import Answer, Connection
    from fulcrum.gateway.upstream.fastpath import PlainPool


class Streamed:
    """``status``, ``headers``, ``content.readany()`` (``b""`` at the end), ``read()``, then
    ``release()`` or ``close()``: what the gateway uses of an aiohttp response."""

    def __init__(self, pool: PlainPool, conn: Connection, answer: Answer) -> None:
        self.status = answer.status
        self.headers: Mapping[str, str] = answer.headers
        self._pool = pool
        self._conn = conn
        self._released = False

    @property
    def content(self) -> Streamed:
        return self

    async def readany(self) -> bytes:
        return await self._conn.read_chunk()

    async def readany_within(self, timeout: float) -> bytes:
        """:meth:`readany`, or ``TimeoutError`` when nothing came within ``timeout`` s."""
        return await self._conn.read_chunk(asyncio.get_running_loop().time() + timeout)

    def at_eof(self) -> bool:
        """Whether the stream ended and every byte of it was read (aiohttp's name)."""
        return self._conn.at_eof()

    async def read(self) -> bytes:
        """The rest of the answer; the connection is released, as aiohttp's ``read()`` does."""
        parts = []
        while chunk := await self.readany():
            parts.append(chunk)
        self.release()
        return b"".join(parts)

    def release(self) -> None:
        """Pool the connection (read to its end) or close it (not); idempotent."""
        if not self._released:
            self._released = True
            self._pool.end_stream(self._conn)

    def close(self) -> None:
        self._conn.close()
        self.release()


async def read_within(content: aiohttp.StreamReader | Streamed, timeout: float) -> bytes:
    """``content.readany()``, or ``TimeoutError`` when nothing came within ``timeout`` s: a
    fast-path stream with its own timer (armed only to wait), aiohttp's under
    ``asyncio.timeout``."""
    if isinstance(content, Streamed):
        return await content.readany_within(timeout)
    async with asyncio.timeout(timeout):
        return await content.readany()
