"""Gateway extensions: a capability that serves its own endpoints from ``fulcrum serve``.

Each extension is a module in :data:`EXTENSION_MODULES` exposing ``EXTENSION``, an object with:

- ``key``: the top-level config table it owns (``[wake]``, ``[batch]``); the gateway config
  accepts that key only because an extension claims it;
- ``parse(table: Table, context: ExtensionContext) -> Any``: its table, checked at start-up
  (a ``ConfigError`` names the field); the result is ``GatewayConfig.extensions[key]``, present
  whether or not the table was written (an extension decides its own defaults);
- ``add_routes(app: web.Application) -> None``: its endpoints (the app's ``STATE`` holds the
  gateway state, the parsed config included);
- optionally ``async start(app)`` / ``async stop(app)``: background work (a batch worker),
  started after the backends are open and stopped before the ledger is flushed;
- optionally ``banner(parsed, config, url) -> list[str]``: lines for ``fulcrum serve``'s
  start-up banner (the dashboard's address);
- optionally ``request_hook(parsed) -> RequestHook | None``: a step on the request path after
  the route is chosen and before the body is sent — ``await hook(api_name, target, body)``
  returns the body to send and the tokens it added (context snippets on local routes);
- optionally ``inbound_hooks(parsed) -> {api_format: InboundHook}``: a step on one client
  API's path before routing — ``await hook(exchange, body, raw)`` returns the exchange to
  answer on, the body to route and its bytes (kept Responses conversations).

Adding a capability is a line in :data:`EXTENSION_MODULES`, never a branch in the gateway.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from fulcrum.routing.config import RoutingConfig
from fulcrum.tables import Table

# (client API name, the route's primary target, the body) -> (the body to send, tokens added)
RequestHook = Callable[[str, Any, dict[str, Any]], Awaitable[tuple[dict[str, Any], int]]]
# (the exchange, the checked body, its bytes) -> (the exchange to answer on, the body, its bytes)
InboundHook = Callable[[Any, dict[str, Any], bytes], Awaitable[tuple[Any, dict[str, Any], bytes]]]

EXTENSION_MODULES: tuple[str, ...] = (
    "fulcrum.wake.gateway",
    "fulcrum.batch.gateway",
    "fulcrum.report.dashboard",
    "fulcrum.context.gateway",
    "fulcrum.responsestate.gateway",
)


@dataclass(frozen=True, slots=True)
class ExtensionContext:
    """What an extension's parser may check its table against."""

    routes: RoutingConfig | None  # None: no backend yet (the embedded defaults, waiting)
    backends: Mapping[str, Any]  # name -> BackendConfig
    base: Path  # the config file's folder (relative paths)


class Extension(Protocol):
    key: str

    def parse(self, table: Table, context: ExtensionContext) -> Any: ...

    def add_routes(self, app: web.Application) -> None: ...


@cache
def extensions() -> tuple[Extension, ...]:
    """Every registered extension, imported once."""
    return tuple(importlib.import_module(m).EXTENSION for m in EXTENSION_MODULES)


def keys() -> tuple[str, ...]:
    return tuple(e.key for e in extensions())


def parse_all(root: Table, context: ExtensionContext) -> dict[str, Any]:
    """Each extension's table (an empty one when absent), parsed."""
    return {e.key: e.parse(root.table(e.key), context) for e in extensions()}


def install(app: web.Application) -> None:
    """Routes and lifecycle hooks of every extension."""
    for extension in extensions():
        extension.add_routes(app)
        start = getattr(extension, "start", None)
        stop = getattr(extension, "stop", None)
        if start is not None:
            app.on_startup.append(start)
        if stop is not None:
            app.on_shutdown.append(stop)


def banner(config: Any, url: str) -> list[str]:
    """Every extension's lines for the start-up banner (``config``: the GatewayConfig)."""
    lines: list[str] = []
    for extension in extensions():
        own = getattr(extension, "banner", None)
        if own is not None:
            lines += own(config.extensions.get(extension.key), config, url)
    return lines


def request_hooks(config: Any) -> tuple[RequestHook, ...]:
    """The request hooks the configured extensions ask for (usually none: nothing to run)."""
    hooks = []
    for extension in extensions():
        make = getattr(extension, "request_hook", None)
        hook = make(config.extensions.get(extension.key)) if make is not None else None
        if hook is not None:
            hooks.append(hook)
    return tuple(hooks)


def inbound_hooks(config: Any) -> dict[Any, tuple[InboundHook, ...]]:
    """The configured extensions' steps before routing, by the client API format they serve
    (the gateway looks its format up: one dictionary read per request)."""
    hooks: dict[Any, tuple[InboundHook, ...]] = {}
    for extension in extensions():
        make = getattr(extension, "inbound_hooks", None)
        found = make(config.extensions.get(extension.key)) if make is not None else {}
        for fmt, hook in found.items():
            hooks[fmt] = (*hooks.get(fmt, ()), hook)
    return hooks
