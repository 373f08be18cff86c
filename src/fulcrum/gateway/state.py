"""The gateway's shared state, kept on the aiohttp application under :data:`STATE`."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from fulcrum.gateway.backends import Backends
from fulcrum.gateway.busy import ShareClock
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.metering import Meter, Metrics, RowSink
from fulcrum.routing.router import Router


@dataclass(slots=True)
class GatewayState:
    config: GatewayConfig
    backends: Backends
    router: Router
    ledger: RowSink
    metrics: Metrics
    meter: Meter
    active: int = 0  # calls between read and ledger submit (shutdown waits for them)
    local_clock: ShareClock = field(default_factory=ShareClock)  # local machine time shares


STATE: web.AppKey[GatewayState] = web.AppKey("fulcrum_gateway", GatewayState)
