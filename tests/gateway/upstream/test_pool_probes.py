"""The pool's probe task (health and the server's own load) and its metrics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest

from fulcrum.fakes import FakeOpenAI, Hang, Reply
from fulcrum.gateway.config import load_config
from fulcrum.gateway.upstream.attempts import AttemptLog
from fulcrum.gateway.upstream.backends import Backend, Backends
from fulcrum.gateway.upstream.chain import open_chain
from fulcrum.gateway.upstream.pool import Pool
from fulcrum.gateway.upstream.poolmetrics import pool_metrics
from fulcrum.gateway.upstream.probes import parse_metrics, parse_slots
from fulcrum.routing.router import RouteTarget
from fulcrum.testing.process import free_port

LLAMA_METRICS = """# HELP llamacpp:requests_processing Number of requests processing.
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 3
llamacpp:requests_deferred 2
llamacpp:n_decode_total 99
"""


class Server:
    """A stand-in model server: /health (or not), /metrics and /slots, all switchable."""

    def __init__(self, *, health: bool = True, metrics: str | None = None) -> None:
        self.health = health
        self.metrics = metrics
        self.status = 200
        self.port = free_port()
        self.hits: list[str] = []
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        if request.path == "/health" and self.health:
            return web.json_response({"status": "ok"}, status=self.status)
        if request.path == "/v1/models":
            return web.json_response({"data": []}, status=self.status)
        if request.path == "/metrics" and self.metrics is not None:
            return web.Response(text=self.metrics)
        return web.Response(status=404)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def llama() -> AsyncIterator[Server]:
    server = Server(metrics=LLAMA_METRICS)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def generic() -> AsyncIterator[Server]:
    server = Server(health=False)
    await server.start()
    yield server
    await server.stop()


def pool_for(*urls: str, extra: str = "", probe_s: float = 0.05) -> Backend:
    text = f"""
[backends.llama]
format = "openai"
models = ["m"]
base_urls = {list(urls)!r}
[backends.llama.timeouts]
first_byte = 30
[backends.llama.pool]
probe_s = {probe_s}
{extra}
""".replace("'", '"')
    return Backend.build(load_config(text=text, env={}).backends["llama"])


async def wait_for(check: object, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.02)


async def test_probes_mark_health_and_read_the_servers_load(llama: Server, generic: Server) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    backend = pool_for(llama.url, generic.url, dead)
    pool = backend.pool
    assert pool is not None
    backend.open()
    try:
        a, b, c = pool.replicas
        await wait_for(lambda: not c.up and a.server_load == 5)
        assert a.up and b.up  # /health, and /v1/models where /health is a 404
        assert "/v1/models" in generic.hits and b.server_load == 0
        llama.status = 503  # e.g. a model loading
        await wait_for(lambda: not a.up)
        assert [r.label for r in pool.usable()] == [b.label]
        llama.status = 200
        await wait_for(lambda: a.up)
    finally:
        await backend.close()
    assert pool.probe_task is None


async def test_a_good_probe_ends_an_ejection_that_served_its_time(llama: Server) -> None:
    backend = pool_for(llama.url, extra="eject_after = 1\neject_s = 0.1")
    pool = backend.pool
    assert pool is not None
    replica = pool.replicas[0]
    pool.failed(replica)
    assert replica.health(pool.clock()) == "ejected"
    backend.open()
    try:
        await wait_for(lambda: replica.ejected_until is None)
        assert replica.health(pool.clock()) == "up"
    finally:
        await backend.close()


def test_load_parsers_read_only_what_they_need() -> None:
    assert parse_metrics(LLAMA_METRICS) == 5
    vllm = 'vllm:num_requests_running{model_name="a b"} 2.0\nvllm:num_requests_waiting{x="}"} 7.0\n'
    assert parse_metrics(vllm) == 9
    assert parse_metrics("process_cpu_seconds_total 3\n") is None
    assert parse_slots('[{"id": 0, "is_processing": true}, {"id": 1, "is_processing": false}]') == 1
    assert parse_slots('{"error": "slots disabled"}') is None


def test_pools_are_exported_on_the_registry() -> None:
    registry = CollectorRegistry()
    backends = Backends(
        load_config(
            text='[backends.llama]\nformat = "openai"\nmodels = ["m"]\n'
            'base_urls = ["http://127.0.0.1:1", "http://127.0.0.1:2"]\n'
            "[backends.llama.pool]\nmax_concurrent = 2\n"
            '[backends.api]\nformat = "openai"\nmodels = ["x"]\nbase_url = "https://a.example"\n',
            env={},
        ).backends
    )
    pool = backends["llama"].pool
    assert isinstance(pool, Pool)
    pool.replicas[1].outstanding = 2
    pool.replicas[0].up = False
    pool.stats.full["spill"] = 4
    pool_metrics(registry, backends)
    text = generate_latest(registry).decode()
    assert 'fulcrum_pool_waiting{backend="llama"} 0.0' in text
    assert 'fulcrum_replica_in_flight{backend="llama",replica="127.0.0.1:2"} 2.0' in text
    assert 'fulcrum_replica_health{backend="llama",replica="127.0.0.1:1",state="down"} 1.0' in text
    assert 'fulcrum_pool_full_total{action="spill",backend="llama"} 4.0' in text
    assert "api" not in text.replace("fulcrum_", "")  # a plain backend has no pool series


async def test_a_try_waiting_on_a_server_that_went_down_fails_over_at_once() -> None:
    async with FakeOpenAI() as hung, FakeOpenAI() as good:
        hung.push(Hang())
        good.push(Reply("from the other replica"))
        backend = pool_for(hung.url, good.url, probe_s=0)
        pool = backend.pool
        assert pool is not None
        target = RouteTarget("llama", "m", "local", None, None)
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        backend.open()
        try:
            log = AttemptLog()
            chain = asyncio.create_task(
                open_chain(
                    [(backend, target)], lambda _b, _t: body.encode(), {}, stream=True, log=log
                )
            )
            await wait_for(lambda: pool.replicas[0].waiting)
            started = time.perf_counter()
            pool.replicas[0].went_down()
            opened = await chain
            assert time.perf_counter() - started < 2
            assert opened.ok and opened.backend is backend
            assert (log.items[0].reason or "").endswith("the server went down (probe)")
            assert [getattr(a, "replica", None) for a in log.items] == [
                pool.replicas[0].label,
                pool.replicas[1].label,
            ]
            assert pool.replicas[1].outstanding == 1  # the stream holds its slot...
            assert opened.response is not None
            await opened.response.read()
            assert pool.replicas[1].outstanding == 0  # ...until the relay releases it
        finally:
            await backend.close()
