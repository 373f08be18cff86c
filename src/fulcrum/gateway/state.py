"""The gateway's shared state, kept on the aiohttp application under :data:`STATE`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from fulcrum.catalog import Catalog, load_catalog
from fulcrum.errors import FulcrumError, Unavailable
from fulcrum.gateway.busy import ShareClock
from fulcrum.gateway.config import NO_BACKEND, REPROBE_S, GatewayConfig
from fulcrum.gateway.extensions import InboundHook, RequestHook
from fulcrum.gateway.meter import Meter, RowSink
from fulcrum.gateway.metering import Metrics
from fulcrum.gateway.upstream.backends import Backends
from fulcrum.routing.brain.decide import Brain
from fulcrum.routing.budget import SharedDatabase
from fulcrum.routing.router import Router

log = logging.getLogger(__name__)


@dataclass(slots=True)
class GatewayState:
    config: GatewayConfig
    backends: Backends
    router: Router | None  # None: no backend yet (the embedded defaults re-probe for one)
    ledger: RowSink
    metrics: Metrics
    meter: Meter
    active: int = 0  # calls between read and ledger submit (shutdown waits for them)
    local_clock: ShareClock = field(default_factory=ShareClock)  # local machine time shares
    catalog: Catalog | None = None  # loaded once at start-up: prices, hardware, /v1/models
    brain: Brain | None = None  # the routing brain, with a [policy]; None: [routes] only
    db: SharedDatabase | None = None  # the ledger database for shared state and feedback
    request_hooks: tuple[RequestHook, ...] = ()  # extensions' steps before the body is sent
    # extensions' steps before routing, by client API format
    inbound_hooks: Mapping[Any, tuple[InboundHook, ...]] = field(default_factory=dict)

    def routing(self) -> Router:
        """The router; with no backend yet, a 503 saying what to start or set."""
        if self.router is None:
            raise Unavailable(f"{NO_BACKEND}; the gateway re-probes every {REPROBE_S:g} s")
        return self.router

    def use(self, config: GatewayConfig, backends: Backends) -> None:
        """Route with ``config`` and its opened ``backends`` from now on (found by re-probing)."""
        assert config.routes is not None
        self.config, self.backends, self.router = config, backends, Router(config.routes)


def startup_catalog() -> Catalog | None:
    """The catalog, loaded once for the whole gateway (the ledger's prices and hardware, the
    models a glob alias lists). A broken user catalog is logged and leaves it ``None``: API
    prices then stay unknown and glob aliases list nothing, but the gateway serves."""
    try:
        return load_catalog()
    except FulcrumError as exc:
        log.error("the catalog failed to load: %s", exc)
        return None


STATE: web.AppKey[GatewayState] = web.AppKey("fulcrum_gateway", GatewayState)
