"""The plain-HTTP fast path against real loopback servers: keep-alive, chunked answers,
connections the server closes, refused and broken connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from fulcrum.gateway.upstream.fastpath import PlainPool

HEADERS = {"content-type": "application/json", "authorization": "Bearer k"}
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def echo() -> AsyncIterator[tuple[TestServer, list[object]]]:
    """An aiohttp server that echoes the request and records each request's client port."""
    peers: list[object] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        body = await request.read()
        if request.path == "/chunked":
            resp = web.StreamResponse(status=201)
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            await resp.write(b'{"part": 1,')
            await resp.write(b' "part2": 2}')
            await resp.write_eof()
            return resp
        answer = {"path": request.path_qs, "auth": request.headers.get("authorization"),
                  "echo": json.loads(body)}  # fmt: skip
        return web.json_response(answer, headers={"retry-after": "3"})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, peers
    await server.close()


async def test_roundtrip_reuses_one_keepalive_connection(
    echo: tuple[TestServer, list[object]],
) -> None:
    server, peers = echo
    pool = PlainPool(URL(str(server.make_url("/"))))
    url = URL(str(server.make_url("/v1/chat/completions?beta=true")))
    answers = [await pool.post(url, HEADERS, json.dumps({"n": i}).encode()) for i in range(3)]
    pool.close()
    assert [a.status for a in answers] == [200, 200, 200]
    assert [json.loads(a.body)["echo"] for a in answers] == [{"n": 0}, {"n": 1}, {"n": 2}]
    first = json.loads(answers[0].body)
    assert first["path"] == "/v1/chat/completions?beta=true" and first["auth"] == "Bearer k"
    assert answers[0].headers["retry-after"] == "3"  # names lower-cased
    assert len(set(peers)) == 1  # one connection served all three


async def test_chunked_answer_is_joined(echo: tuple[TestServer, list[object]]) -> None:
    server, _ = echo
    pool = PlainPool(URL(str(server.make_url("/"))))
    answer = await pool.post(URL(str(server.make_url("/chunked"))), HEADERS, b"{}")
    pool.close()
    assert answer.status == 201 and json.loads(answer.body) == {"part": 1, "part2": 2}


class RawServer:
    """A hand-driven HTTP server on loopback; closes every connection it accepted on stop."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        await self.handler(reader, writer)

    async def __aenter__(self) -> URL:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return URL(f"http://127.0.0.1:{port}/v1/chat/completions")

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))  # fmt: skip
    await reader.readexactly(length)


def _answer_then_close(answer: bytes) -> tuple[Handler, list[int]]:
    """A handler that reads one request, writes ``answer`` and closes; and its call count."""
    calls: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        calls.append(1)
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    return handle, calls


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    # keep-alive claimed, but the server closes the connection once idle
    handle, calls = _answer_then_close(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
    async with RawServer(handle) as url:
        pool = PlainPool(url)
        first = await pool.post(url, HEADERS, b"{}")
        await asyncio.sleep(0.05)
        second = await pool.post(url, HEADERS, b"{}")
        pool.close()
    assert (first.body, second.body) == (b"ok", b"ok")
    assert len(calls) == 2  # a second connection


async def test_an_answer_cut_midway_raises_and_is_not_resent() -> None:
    answer = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial"
    handle, calls = _answer_then_close(answer)
    async with RawServer(handle) as url:
        pool = PlainPool(url)
        with pytest.raises(OSError):
            await pool.post(url, HEADERS, b"{}")
        pool.close()
    assert len(calls) == 1


async def test_connection_close_is_honoured() -> None:
    async def close_each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 503 Busy\r\nconnection: close\r\ncontent-length: 4\r\n\r\nbusy")
        await writer.drain()
        await asyncio.sleep(0.2)  # the connection is still open when the answer is read

    async with RawServer(close_each) as url:
        pool = PlainPool(url)
        answer = await pool.post(url, HEADERS, b"{}")
        assert (answer.status, answer.body) == (503, b"busy")
        assert pool._idle == []  # not kept for reuse
        pool.close()
        await asyncio.sleep(0.25)


async def test_an_answer_past_its_timeout_raises_and_the_connection_is_dropped() -> None:
    """The first call connects (its wait under ``asyncio.timeout``), the second goes on the
    pooled connection (the answer's own timer): both time out, neither connection is kept."""
    answered: list[int] = []

    async def answer_once_then_stall(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            await _read_request(reader)
            if answered:
                await asyncio.sleep(5)  # never answers the second request
            answered.append(1)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()

    async with RawServer(answer_once_then_stall) as url:
        pool = PlainPool(url)
        assert (await pool.post(url, HEADERS, b"{}", timeout=2)).body == b"ok"
        assert len(pool._idle) == 1  # pooled: the next call takes the timer's path
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await pool.post(url, HEADERS, b"{}", timeout=0.2)
        assert 0.2 <= loop.time() - started < 1.5
        assert pool._idle == []  # a connection with an answer still owed is never reused
        started = loop.time()
        with pytest.raises(TimeoutError):  # a new connection: asyncio.timeout's path
            await pool.post(url, HEADERS, b"{}", timeout=0.2)
        assert 0.2 <= loop.time() - started < 1.5
        pool.close()


async def test_refused_connection_is_an_oserror() -> None:
    async def ignore(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        return None

    async with RawServer(ignore) as url:
        pass  # closed again: nothing listens on the port now
    pool = PlainPool(url)
    with pytest.raises(ConnectionRefusedError):
        await pool.post(url, HEADERS, b"{}")


def test_line_breaks_in_headers_are_refused() -> None:
    pool = PlainPool(URL("http://127.0.0.1:9"))
    with pytest.raises(ValueError, match="line break"):
        pool._request("/x", {"anthropic-beta": "a\r\nx-injected: 1"}, b"{}")


async def test_a_call_that_ends_after_close_does_not_park_its_connection(
    echo: tuple[TestServer, list[object]],
) -> None:
    server, _ = echo
    pool = PlainPool(URL(str(server.make_url("/"))))
    call = asyncio.create_task(pool.post(URL(str(server.make_url("/x"))), HEADERS, b"{}"))
    await asyncio.sleep(0)  # the call is under way
    pool.close()
    assert (await call).status == 200
    assert pool._idle == []
