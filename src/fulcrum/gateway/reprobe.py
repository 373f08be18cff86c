"""The embedded defaults before any backend shows up: serve at once, look again every few seconds.

``fulcrum serve`` without a config and with no local server or key found starts anyway: the
dashboard and ``/healthz`` answer, chat requests get a 503 naming what to start or set
(:meth:`GatewayState.routing`), and a background task re-probes the local servers' default
ports (and the API key variables). The first time a backend is found, the gateway routes with
it from the next request on, keeping its own server and ledger settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable

from aiohttp import web

from fulcrum.errors import ConfigError
from fulcrum.gateway.config import REPROBE_S, GatewayConfig
from fulcrum.gateway.state import STATE
from fulcrum.gateway.upstream.backends import Backends

log = logging.getLogger(__name__)
Probe = Callable[[], GatewayConfig]  # the embedded defaults, or ConfigError(field="backends")
TASK: web.AppKey[asyncio.Task[None]] = web.AppKey("fulcrum_reprobe", asyncio.Task)


def install(app: web.Application, probe: Probe, interval_s: float = REPROBE_S) -> None:
    """Re-probe in the background from start-up until a backend is found."""

    async def start(app: web.Application) -> None:
        app[TASK] = asyncio.create_task(_until_found(app, probe, interval_s))

    async def stop(app: web.Application) -> None:
        task = app.get(TASK)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


async def _until_found(app: web.Application, probe: Probe, interval_s: float) -> None:
    state = app[STATE]
    while True:
        await asyncio.sleep(interval_s)
        try:
            found = await asyncio.to_thread(probe)
        except ConfigError as exc:
            if exc.field != "backends":
                log.error("re-probing the defaults failed: %s", exc)
            continue
        # The found config's own extension tables (parsed with its backends: the wake-filter
        # finds its local backend); the server and ledger stay as started.
        config = dataclasses.replace(found, server=state.config.server, ledger=state.config.ledger)
        backends = Backends(config.backends)
        backends.open()
        old = state.backends
        state.use(config, backends)
        await old.close()
        names = ", ".join(f"{b.name} ({b.kind}, {b.base_url})" for b in config.backends.values())
        log.warning("found a backend: routing to %s from now on", names)
        return
