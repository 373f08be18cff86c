"""A lean HTTP/1.1 load generator: serial, alternating or concurrent POSTs, and latencies.

Used by the ``bench/`` scripts. Each client holds one keep-alive connection (an asyncio
protocol with httptools' response parser, the request's bytes built once), so the generator
takes as little as it can of the cores it shares with the servers it measures. A request
counts as successful when the status is 200 and the whole body was read; for streaming
targets the time to the first body byte (TTFT) is recorded too. Request counts are bounded:
every run sends exactly ``requests`` requests (plus ``warmup``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httptools
import numpy as np


@dataclass(frozen=True)
class Target:
    """One endpoint to load: a POST of a fixed body."""

    name: str
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    stream: bool = False

    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"url: only http:// URLs can be loaded, not {self.url!r}")
        return parts.hostname, parts.port or 80

    def request_bytes(self) -> bytes:
        """The whole request, head and body, as sent on every call."""
        parts = urlsplit(self.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = {"Host": parts.netloc, "Content-Length": str(len(self.body)), **self.headers}
        lines = "".join(f"{name}: {value}\r\n" for name, value in head.items())
        return f"POST {path} HTTP/1.1\r\n{lines}\r\n".encode("latin-1") + self.body


@dataclass
class LoadResult:
    """Latencies (ms) of the successful requests, errors, and wall time of the whole run."""

    target: str
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    ttft_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, q: float, *, ttft: bool = False) -> float:
        """The ``q``-th percentile (0–100) of latency, or of TTFT; NaN without data."""
        data = self.ttft_ms if ttft else self.latencies_ms
        if not data:
            return float("nan")
        return float(np.percentile(np.asarray(data), q))

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def rps(self) -> float:
        """Successful requests per second over the run's wall time."""
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else float("nan")

    def fail(self, why: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or why


class _Client(asyncio.Protocol):
    """One keep-alive connection: send a request, wait for its whole answer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[int] | None = None
        self.first: float | None = None
        self.status = 0
        self.until_eof = True  # no Content-Length, not chunked: the body ends with the socket
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.open = True

    def send(self, request: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.first, self.status, self.until_eof = None, 0, True
        self.transport.write(request)
        return self.answer

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._settle(ConnectionError(f"bad response: {exc}"))
            self.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.until_eof = False

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if not self.parser.should_keep_alive():
            self.open = False  # the next request needs a new connection

    def on_body(self, body: bytes) -> None:
        if self.first is None and body:
            self.first = time.perf_counter()

    def on_message_complete(self) -> None:
        self._settle(self.status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self.status and self.until_eof:
            self._settle(self.status)
        self._settle(ConnectionError(f"connection closed: {exc or 'by the server'}"))

    def _settle(self, outcome: int | Exception) -> None:
        answer = self.answer
        if answer is None or answer.done():
            return
        if isinstance(outcome, Exception):
            answer.set_exception(outcome)
        else:
            answer.set_result(outcome)

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()


class _Worker:
    """One client: its connection, opened again whenever the server closed the last one."""

    def __init__(self, target: Target, timeout_s: float) -> None:
        self.target, self.timeout_s = target, timeout_s
        self.request = target.request_bytes()
        self.client: _Client | None = None

    async def call(self, result: LoadResult | None) -> None:
        start = time.perf_counter()
        try:
            client = await self._connected()
            status = await asyncio.wait_for(client.send(self.request), self.timeout_s)
        except (OSError, TimeoutError) as exc:
            self.close()
            if result is not None:
                result.fail(f"{type(exc).__name__}: {exc}")
            return
        end = time.perf_counter()
        if result is None:
            return
        if status != 200:
            result.fail(f"HTTP {status}")
        else:
            result.latencies_ms.append((end - start) * 1000.0)
            if client.first is not None:
                result.ttft_ms.append((client.first - start) * 1000.0)

    async def _connected(self) -> _Client:
        if self.client is None or not self.client.open:
            self.close()
            host, port = self.target.address()
            loop = asyncio.get_running_loop()
            _, self.client = await loop.create_connection(_Client, host, port)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


async def _drive(workers: list[_Worker], requests: int, result: LoadResult | None) -> None:
    """Send ``requests`` calls from all the workers at once, each taking the next one as soon
    as its last is answered."""
    remaining = requests

    async def drive(worker: _Worker) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await worker.call(result)

    await asyncio.gather(*(drive(w) for w in workers))


async def run_load(
    target: Target,
    *,
    requests: int,
    concurrency: int = 1,
    warmup: int = 10,
    timeout_s: float = 30.0,
) -> LoadResult:
    """Send ``requests`` POSTs to ``target`` from ``concurrency`` clients, each on its own
    keep-alive connection (``warmup`` more first, from the same clients, not measured)."""
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    target.address()
    result = LoadResult(target=target.name, concurrency=concurrency)
    workers = [_Worker(target, timeout_s) for _ in range(concurrency)]
    try:
        await _drive(workers, warmup, None)  # every client's connection open and warm
        start = time.perf_counter()
        await _drive(workers, requests, result)
        result.elapsed_s = time.perf_counter() - start
    finally:
        for worker in workers:
            worker.close()
    return result


async def run_alternating(
    targets: Sequence[Target], *, requests: int, block: int = 100, warmup: int = 10,
    timeout_s: float = 30.0,
) -> list[LoadResult]:  # fmt: skip
    """Serial runs of ``targets`` in turns of ``block`` requests (the order flips each round),
    each on its own connection: on a machine whose load drifts, all meet the same drift."""
    if requests < 1 or block < 1:
        raise ValueError("requests and block must be at least 1")
    results = [LoadResult(target=t.name, concurrency=1) for t in targets]
    turns = [(_Worker(t, timeout_s), r) for t, r in zip(targets, results, strict=True)]
    try:
        for worker, _ in turns:
            await _drive([worker], warmup, None)
        for done in range(0, requests, block):
            for worker, result in turns:
                start = time.perf_counter()
                await _drive([worker], min(block, requests - done), result)
                result.elapsed_s += time.perf_counter() - start
            turns.reverse()
    finally:
        for worker, _ in turns:
            worker.close()
    return results
