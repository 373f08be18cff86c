"""Streams on the plain-HTTP fast path: read as they arrive, the connection pooled again only
when read to the end, closed when abandoned or cut."""

from __future__ import annotations

import asyncio

import pytest
from yarl import URL

from fulcrum.gateway.upstream.fastpath import PlainPool

from .test_fastpath import HEADERS, Handler, RawServer, _read_request

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _streaming(parts: list[bytes], *, cut: bool = False) -> tuple[Handler, list[int]]:
    """A keep-alive server that answers each request with ``parts`` written one by one."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while True:
            try:
                await _read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            writer.write(HEAD)
            for part in parts:
                writer.write(_chunk(part))
                await writer.drain()
                await asyncio.sleep(0.01)
            if cut:
                writer.close()
                return
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    return handle, connections


async def _read_all(pool: PlainPool, url: URL) -> list[bytes]:
    resp = await pool.post_stream(url, HEADERS, b"{}")
    got = []
    while data := await resp.content.readany():
        got.append(data)
    resp.release()
    return got


async def test_a_stream_arrives_in_parts_and_its_connection_is_reused() -> None:
    handle, connections = _streaming([b"data: 1\n\n", b"data: 2\n\n", b"data: [DONE]\n\n"])
    async with RawServer(handle) as url:
        pool = PlainPool(url)
        first = await _read_all(pool, url)
        second = await _read_all(pool, url)
        pool.close()
    assert len(first) == 3  # not joined: each part as it came
    assert b"".join(first) == b"".join(second) == b"data: 1\n\ndata: 2\n\ndata: [DONE]\n\n"
    assert len(connections) == 1


async def test_an_abandoned_stream_closes_its_connection_and_frees_its_slot() -> None:
    handle, connections = _streaming([b"data: 1\n\n", b"data: 2\n\n"])
    async with RawServer(handle) as url:
        pool = PlainPool(url)
        resp = await pool.post_stream(url, HEADERS, b"{}")
        assert resp.status == 200 and await resp.content.readany() == b"data: 1\n\n"
        resp.release()
        resp.release()  # idempotent
        assert b"".join(await _read_all(pool, url)) == b"data: 1\n\ndata: 2\n\n"
        pool.close()
    assert len(connections) == 2  # the abandoned connection was not reused


async def test_a_stream_cut_midway_raises_an_oserror() -> None:
    handle, _ = _streaming([b"data: 1\n\n"], cut=True)
    async with RawServer(handle) as url:
        pool = PlainPool(url)
        resp = await pool.post_stream(url, HEADERS, b"{}")
        assert await resp.content.readany() == b"data: 1\n\n"
        with pytest.raises(OSError):
            await resp.content.readany()
        resp.release()
        pool.close()


async def test_read_returns_an_error_body_whole() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b'HTTP/1.1 400 Bad Request\r\ncontent-length: 11\r\n\r\n{"error":1}')
        await writer.drain()

    async with RawServer(handle) as url:
        pool = PlainPool(url)
        resp = await pool.post_stream(url, HEADERS, b"{}")
        assert (resp.status, await resp.read()) == (400, b'{"error":1}')
        pool.close()


async def test_a_chunk_that_does_not_come_in_time_is_a_timeout_and_the_stream_is_dropped() -> None:
    """``readany_within``: what arrived is read at once; a stall past the time raises."""

    async def one_part_then_stall(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await _read_request(reader)
        writer.write(HEAD + _chunk(b"data: 1\n\n"))
        await writer.drain()
        await asyncio.sleep(5)

    async with RawServer(one_part_then_stall) as url:
        pool = PlainPool(url)
        resp = await pool.post_stream(url, HEADERS, b"{}")
        loop = asyncio.get_running_loop()
        assert await resp.readany_within(2) == b"data: 1\n\n"
        started = loop.time()
        with pytest.raises(TimeoutError):
            await resp.readany_within(0.2)
        assert 0.2 <= loop.time() - started < 1.5
        resp.close()
        assert pool._idle == []  # a stream cut short is never pooled
        pool.close()
