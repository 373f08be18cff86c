"""The ``[context]`` gateway extension in isolation: parsing, the request hook and the endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from fulcrum.context.gateway import EXTENSION, SEARCH_PATH, ContextRoutes
from fulcrum.errors import ConfigError, FulcrumError
from fulcrum.gateway.extensions import ExtensionContext
from fulcrum.gateway.inbound.middleware import error_response
from fulcrum.gateway.state import STATE
from fulcrum.tables import Table

BACKENDS = {"llama": SimpleNamespace(kind="local"), "claude": SimpleNamespace(kind="api")}


def _parse(data: dict[str, Any], base: Path) -> ContextRoutes | None:
    ctx = ExtensionContext(routes=None, backends=BACKENDS, base=base)  # type: ignore[arg-type]
    routes: ContextRoutes | None = EXTENSION.parse(Table(data, "gw.toml", "context"), ctx)
    return routes


def test_the_table_turns_it_on_for_local_backends(repo: Path) -> None:
    assert _parse({}, repo.parent) is None
    routes = _parse({"root": repo.name, "budget_tokens": 400, "embedder": "none"}, repo.parent)
    assert routes is not None and routes.backends == {"llama"} and routes.budget_tokens == 400
    assert routes.config.root == repo.resolve() and routes.config.embedder == "none"
    with pytest.raises(ConfigError, match=r"context\.backends\[0\]: expected a local backend"):
        _parse({"root": repo.name, "backends": ["claude"]}, repo.parent)
    with pytest.raises(ConfigError, match="unknown key `budget`"):
        _parse({"root": repo.name, "budget": 1}, repo.parent)
    with pytest.raises(ConfigError, match=r"context\.root: expected a repository folder"):
        _parse({"root": "missing"}, repo.parent)


async def test_prepare_injects_only_on_the_configured_backends(repo: Path) -> None:
    routes = _parse({"root": str(repo), "embedder": "none"}, repo.parent)
    assert routes is not None
    body = {"model": "m", "messages": [{"role": "user", "content": "where is load_settings?"}]}
    local = await routes.prepare("anthropic", "llama", body)
    assert local.added_tokens > 0 and "pkg/config.py" in local.body["system"][0]["text"]
    api = await routes.prepare("anthropic", "claude", body)
    assert api.added_tokens == 0 and api.body is body
    openai = await routes.prepare("openai", "llama", body)
    assert openai.body["messages"][0]["role"] == "system"


@pytest.fixture
async def served(repo: Path) -> AsyncIterator[str]:
    routes = _parse({"root": str(repo), "embedder": "none"}, repo.parent)

    @web.middleware
    async def errors(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except FulcrumError as exc:
            return error_response(request, exc)

    app = web.Application(middlewares=[errors])
    app[STATE] = SimpleNamespace(config=SimpleNamespace(extensions={"context": routes}))  # type: ignore[assignment]
    EXTENSION.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}{SEARCH_PATH}"
    await runner.cleanup()


async def test_search_endpoint_answers_and_rejects_bad_bodies(served: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(served, json={"query": "settings toml", "limit": 2}) as r:
            assert r.status == 200
            results = (await r.json())["results"]
        assert len(results) == 2 and results[0]["path"] == "pkg/config.py"
        for bad, param in (({"query": ""}, "query"), ({"query": "x", "limit": 99}, "limit")):
            async with http.post(served, json=bad) as r:
                assert r.status == 400
                assert param in (await r.text())
