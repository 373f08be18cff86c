"""A small aiohttp load generator: serial or concurrent POSTs, latency percentiles and requests/s.

Used by ``bench/gateway_overhead.py``. A request counts as successful when the status is 200 and
the whole body was read; for streaming targets the time to the first body byte (TTFT) is recorded
too. Request counts are bounded: every run sends exactly ``requests`` requests (plus ``warmup``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
import numpy as np


@dataclass(frozen=True)
class Target:
    """One endpoint to load: a POST of a fixed body."""

    name: str
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    stream: bool = False


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


async def _one(session: aiohttp.ClientSession, target: Target, result: LoadResult | None) -> None:
    start = time.perf_counter()
    first: float | None = None
    try:
        async with session.post(target.url, data=target.body, headers=target.headers) as resp:
            async for chunk in resp.content.iter_any():
                if first is None and chunk:
                    first = time.perf_counter()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        if result is not None:
            result.errors += 1
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
        return
    end = time.perf_counter()
    if result is None:
        return
    if status != 200:
        result.errors += 1
        result.first_error = result.first_error or f"HTTP {status}"
        return
    result.latencies_ms.append((end - start) * 1000.0)
    if first is not None:
        result.ttft_ms.append((first - start) * 1000.0)


async def run_load(
    target: Target,
    *,
    requests: int,
    concurrency: int = 1,
    warmup: int = 10,
    timeout_s: float = 30.0,
) -> LoadResult:
    """Send ``requests`` POSTs to ``target`` from ``concurrency`` clients sharing one session."""
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    result = LoadResult(target=target.name, concurrency=concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for _ in range(warmup):
            await _one(session, target, None)
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await _one(session, target, result)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.elapsed_s = time.perf_counter() - start
    return result
