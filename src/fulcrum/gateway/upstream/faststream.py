"""A streamed answer on the plain-HTTP fast path (:mod:`fulcrum.gateway.upstream.fastpath`).

It offers what the gateway uses of an aiohttp response (``status``, ``headers``,
``content.readany()``, ``read()``, ``release()``, ``close()``), so the stream relay reads
either the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.fastpath import Answer, PlainPool, _Connection


class Streamed:
    """``status``, ``headers``, ``content.readany()`` (``b""`` at the end), ``read()``, then
    ``release()`` or ``close()``: what the gateway uses of an aiohttp response."""

    def __init__(self, pool: PlainPool, conn: _Connection, answer: Answer) -> None:
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
