"""Under load with faults injected, and through SIGTERM: every answered request has its row."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Hang, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import HI, gateway_config

FALLBACK = 'fallbacks = ["gpt/gpt-4o-mini"]'


def _request(i: int) -> tuple[str, dict[str, Any]]:
    stream = i % 2 == 0
    if i % 4 < 2:
        model = "claude-sonnet-4-6" if i % 8 < 4 else "to-openai"
        body = {"model": model, "max_tokens": 20, "messages": HI, "stream": stream}
        return "/v1/messages", body
    model = "to-claude" if i % 8 < 6 else "gpt-4o-mini"
    return "/v1/chat/completions", {"model": model, "messages": HI, "stream": stream}


def _well_formed(path: str, status: int, body: bytes, stream: bool) -> bool:
    if status != 200:
        error = json.loads(body)["error"]
        return bool(error["message"])
    if not stream:
        return bool(json.loads(body))
    if path == "/v1/messages":
        return b"event: message_stop" in body or b"event: error" in body
    return b"data: [DONE]" in body or b'"error"' in body


async def _fire(
    gw: RunningGateway, n: int, started: asyncio.Event | None = None
) -> list[tuple[int, bool]]:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(i: int) -> tuple[int, bool]:
            path, body = _request(i)
            async with session.post(gw.url + path, json=body) as resp:
                raw = await resp.read()
                return resp.status, _well_formed(path, resp.status, raw, body["stream"])

        tasks = [asyncio.create_task(one(i)) for i in range(n)]
        if started is not None:
            started.set()
        return await asyncio.gather(*tasks)


@pytest.mark.slow
async def test_1000_concurrent_requests_with_faults_lose_no_row(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.push(Fail(500), times=60)
        fake.push(Fail(429, retry_after=0.05), times=30)
        fake.push(Reply("cut " * 20, cut_after=3, streams_only=True), times=30)  # mid-stream
        fake.push(Hang(), times=5)
    text = gateway_config(
        fake_anthropic.url,
        fake_openai.url,
        routes_extra=FALLBACK,
        first_byte=3.0,
        idle=3.0,
        total=10.0,
        breaker_failures=1000,  # this test is about failover, not the breaker
    )
    with running_gateway(text) as gw:
        results = await _fire(gw, 1000)
        gw.stop()
    assert len(results) == 1000
    assert all(ok for _, ok in results), [r for r in results if not r[1]][:5]
    statuses = [s for s, _ in results]
    assert statuses.count(200) >= 900  # failover absorbs most faults
    rows = open_store(None).rows()
    assert len(rows) == 1000 and len({r.id for r in rows}) == 1000
    cut = [r for r in rows if (r.error or "").startswith("upstream stream")]
    assert cut and all(r.stream and r.status == 502 for r in cut)  # ended with an error event
    assert sum(1 for r in rows if r.status == 200) + len(cut) == statuses.count(200)


@pytest.mark.slow
async def test_sigterm_during_load_loses_nothing(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.default = Reply("slow but sure", first_byte_delay=0.5)
    text = gateway_config(fake_anthropic.url, fake_openai.url, first_byte=5.0, idle=5.0, total=20)
    with running_gateway(text, subprocess=True) as gw:
        started = asyncio.Event()
        load = asyncio.create_task(_fire(gw, 200, started))
        await started.wait()
        deadline = time.monotonic() + 20
        while len(fake_anthropic.requests) + len(fake_openai.requests) < 200:
            assert time.monotonic() < deadline, "the load never reached the upstreams"
            await asyncio.sleep(0.02)
        assert gw.stop() == 0  # SIGTERM with 200 requests in flight
        results = await load
    assert [s for s, _ in results] == [200] * 200
    assert all(ok for _, ok in results)
    rows = open_store(None).rows()
    assert len(rows) == 200 and all(r.status == 200 for r in rows)
