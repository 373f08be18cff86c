"""Context on local routes in ``fulcrum serve``: the ``[context]`` table, its request hook and
``POST /v1/context/search``.

```toml
[context]
root = "../my-repo"        # the repository to search (relative to the config file); turns it on
backends = ["llama"]       # local backends whose requests get context (default: every local one)
budget_tokens = 1500       # at most this many tokens of snippets per request
limit = 8                  # hits considered per request
embedder = "wordllama"     # optional: none, wordllama, openai:URL#MODEL (default: auto)
```

For a request routed to one of those backends, :meth:`ContextRoutes.prepare` returns the body
with the current turn's ``search_code`` hits added as a system text (``fulcrum.context.inject``)
and the number of tokens added, for the ledger. The search runs in a worker thread, never on
the event loop; the service (and its embedder) is built on first use. Without a ``[context]``
table the hook returns every body unchanged.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from fulcrum.context.inject import INJECTORS, Injection
from fulcrum.context.service import ContextConfig, ContextService
from fulcrum.errors import InvalidRequest, Unavailable
from fulcrum.gateway.extensions import ExtensionContext
from fulcrum.gateway.inbound.validate import parse_object
from fulcrum.gateway.state import STATE
from fulcrum.settings import Paths
from fulcrum.tables import Table

KEY = "context"
SEARCH_PATH = "/v1/context/search"


@dataclass
class ContextRoutes:
    config: ContextConfig
    backends: frozenset[str]
    budget_tokens: int = 1500
    limit: int = 8
    _service: ContextService | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def service(self) -> ContextService:
        with self._lock:
            if self._service is None:
                self._service = ContextService(self.config)
            return self._service

    def inject(self, api_name: str, backend: str, body: dict[str, Any]) -> Injection:
        injector = INJECTORS.get(api_name)
        if injector is None or backend not in self.backends:
            return Injection(body)
        return injector(body, self.service(), self.budget_tokens, self.limit)

    async def prepare(self, api_name: str, backend: str, body: dict[str, Any]) -> Injection:
        if backend not in self.backends:
            return Injection(body)
        return await asyncio.to_thread(self.inject, api_name, backend, body)


def parse(table: Table, context: ExtensionContext) -> ContextRoutes | None:
    if not table.data:
        return None
    table.only("root", "backends", "budget_tokens", "limit", "embedder")
    root = context.base / table.text("root", required=True)
    if not root.is_dir():
        table.fail("root", "a repository folder", str(root))
    local = tuple(n for n, b in context.backends.items() if b.kind == "local")
    names = table.str_list("backends") or local
    for n, name in enumerate(names):
        if name not in local:
            table.fail(f"backends[{n}]", f"a local backend ({', '.join(local) or 'none'})", name)
    config = ContextConfig(
        root=root.resolve(), data=Paths.build().data, embedder=table.opt_text("embedder")
    )
    return ContextRoutes(
        config,
        frozenset(names),
        budget_tokens=table.integer("budget_tokens", 1500, low=50, high=100_000),
        limit=table.integer("limit", 8, low=1, high=50),
    )


async def search_endpoint(request: web.Request) -> web.StreamResponse:
    """``{"query", "limit"?, "mode"?}`` -> ``{"results": [...]}`` over the configured root."""
    routes: ContextRoutes | None = request.app[STATE].config.extensions.get(KEY)
    if routes is None:
        raise Unavailable("context search is not configured: add a [context] table with root")
    body = parse_object(await request.read())
    query, limit, mode = body.get("query"), body.get("limit", 10), body.get("mode", "hybrid")
    if not isinstance(query, str) or not query.strip():
        raise InvalidRequest("query: expected a non-empty string", param="query")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 50:
        raise InvalidRequest("limit: expected an integer in [1, 50]", param="limit")
    service = routes.service()
    hits = await asyncio.to_thread(lambda: service.search_code(query, limit=limit, mode=str(mode)))
    return web.json_response({"results": [h.as_dict(max_chars=1500) for h in hits]})


class _Extension:
    key = KEY

    def parse(self, table: Table, context: ExtensionContext) -> ContextRoutes | None:
        return parse(table, context)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(SEARCH_PATH, search_endpoint)

    def request_hook(self, routes: ContextRoutes | None) -> Any:
        """With a ``[context]`` table: snippets for the current turn on its local backends."""
        if routes is None:
            return None

        async def hook(api_name: str, target: Any, body: dict[str, Any]) -> tuple[Any, int]:
            injection = await routes.prepare(api_name, target.backend, body)
            return injection.body, injection.added_tokens

        return hook


EXTENSION = _Extension()
