"""The load generator sends exactly the requests asked for and measures them."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from fulcrum.testing.loadgen import LoadResult, Target, run_alternating, run_load


class Upstream:
    def __init__(self) -> None:
        self.calls = 0
        self.in_flight = 0
        self.peak = 0
        self.paths: list[str] = []

    async def ok(self, request: web.Request) -> web.Response:
        self.calls += 1
        self.paths.append(request.path)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.002)
        self.in_flight -= 1
        return web.json_response({"echo": (await request.read()).decode()})

    async def stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        await resp.write(b"data: first\n\n")
        await asyncio.sleep(0.03)
        await resp.write(b"data: [DONE]\n\n")
        return resp

    async def fail(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, Upstream]]:
    up = Upstream()
    app = web.Application()
    app.router.add_post("/ok", up.ok)
    app.router.add_post("/ok2", up.ok)
    app.router.add_post("/stream", up.stream)
    app.router.add_post("/fail", up.fail)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", up
    finally:
        await runner.cleanup()


async def test_serial_and_concurrent_counts(upstream: tuple[str, Upstream]) -> None:
    base, up = upstream
    target = Target("ok", base + "/ok", b"{}")
    serial = await run_load(target, requests=20, concurrency=1, warmup=3)
    assert serial.ok == 20
    assert serial.errors == 0
    assert up.calls == 23
    assert up.peak == 1
    assert 2.0 <= serial.p50 <= serial.p99
    conc = await run_load(target, requests=64, concurrency=8, warmup=0)
    assert conc.ok == 64
    assert up.calls == 87
    assert 2 <= up.peak <= 8
    assert conc.rps > 0


async def test_alternating_runs_take_turns_in_blocks(upstream: tuple[str, Upstream]) -> None:
    base, up = upstream
    a, b = Target("a", base + "/ok", b"{}"), Target("b", base + "/ok2", b"{}")
    ra, rb = await run_alternating([a, b], requests=5, block=2, warmup=1)
    assert (ra.ok, rb.ok) == (5, 5)
    assert ra.concurrency == rb.concurrency == 1 == up.peak
    warm, turns = ["/ok", "/ok2"], [("/ok", 2), ("/ok2", 4), ("/ok", 3), ("/ok2", 1)]
    assert up.paths == warm + [path for path, n in turns for _ in range(n)]  # ABBA order
    assert ra.elapsed_s > 0 and rb.elapsed_s > 0
    with pytest.raises(ValueError, match="at least 1"):
        await run_alternating([a], requests=5, block=0)


async def test_errors_are_counted_not_timed(upstream: tuple[str, Upstream]) -> None:
    base, _ = upstream
    result = await run_load(Target("fail", base + "/fail", b"{}"), requests=5, warmup=0)
    assert result.ok == 0
    assert result.errors == 5
    assert result.first_error == "HTTP 500"
    assert math.isnan(result.p50)


async def test_streaming_records_time_to_first_byte(upstream: tuple[str, Upstream]) -> None:
    base, _ = upstream
    target = Target("s", base + "/stream", b"{}", stream=True)
    result = await run_load(target, requests=3, warmup=0)
    assert len(result.ttft_ms) == 3
    assert result.percentile(50, ttft=True) < 25.0 <= result.p50


def test_rejects_empty_runs() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        asyncio.run(run_load(Target("x", "http://127.0.0.1:9/", b""), requests=0))


def test_empty_result_has_nan_rate() -> None:
    assert math.isnan(LoadResult("x", 1).rps)


async def _closing_server(answer: bytes) -> tuple[asyncio.Server, list[int]]:
    """A raw server that writes ``answer`` to each request and closes the connection;
    the list counts the connections it accepted."""
    accepted: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0), accepted


async def test_a_server_that_closes_each_connection_gets_a_new_one_per_request() -> None:
    """No Content-Length, not chunked: the body ends with the connection, and the next
    request opens another."""
    server, accepted = await _closing_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhi")
    port = server.sockets[0].getsockname()[1]
    async with server:
        target = Target("c", f"http://127.0.0.1:{port}/x", b"{}", stream=True)
        result = await run_load(target, requests=6, concurrency=2, warmup=1)
    assert result.ok == 6 and result.errors == 0 and len(result.ttft_ms) == 6
    assert len(accepted) == 7


async def test_a_refused_connection_and_a_garbled_answer_are_errors() -> None:
    server, _ = await _closing_server(b"NOT HTTP AT ALL\r\n\r\n")
    port = server.sockets[0].getsockname()[1]
    async with server:
        garbled = await run_load(Target("g", f"http://127.0.0.1:{port}/", b""), requests=2)
    assert garbled.ok == 0 and garbled.errors == 2
    assert garbled.first_error is not None and "bad response" in garbled.first_error
    refused = await run_load(Target("r", "http://127.0.0.1:9/", b""), requests=3, warmup=0)
    assert refused.ok == 0 and refused.errors == 3
    assert refused.first_error is not None and "ConnectionRefusedError" in refused.first_error


def test_only_http_urls_are_loaded() -> None:
    with pytest.raises(ValueError, match="only http://"):
        asyncio.run(run_load(Target("x", "https://example.com/", b""), requests=1))


def test_the_request_carries_the_targets_headers_and_body() -> None:
    target = Target("h", "http://127.0.0.1:8080/v1/chat?x=1", b'{"a":1}', {"X-Key": "k"})
    head, _, body = target.request_bytes().partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v1/chat?x=1 HTTP/1.1" and body == b'{"a":1}'
    assert {"Host: 127.0.0.1:8080", "Content-Length: 7", "X-Key: k"} <= set(lines[1:])
