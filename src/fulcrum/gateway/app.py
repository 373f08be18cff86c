"""The aiohttp application: shared state, routes, middlewares and the lifecycle.

State is built once: the backends (one keep-alive session each, opened on start-up), the
router, the ledger writer and the metrics. On cleanup the sessions are closed and the
ledger writer is flushed, after aiohttp has drained the requests in flight.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from fulcrum.catalog import Catalog
from fulcrum.gateway import reprobe
from fulcrum.gateway.brainsetup import brain_metrics, build_brain
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.endpoints import add_routes
from fulcrum.gateway.extensions import inbound_hooks
from fulcrum.gateway.extensions import install as install_extensions
from fulcrum.gateway.extensions import request_hooks as extension_hooks
from fulcrum.gateway.inbound import httpserver
from fulcrum.gateway.inbound.middleware import middlewares
from fulcrum.gateway.meter import Meter, RowSink
from fulcrum.gateway.metering import Metrics
from fulcrum.gateway.reprobe import Probe
from fulcrum.gateway.state import STATE, GatewayState, startup_catalog
from fulcrum.gateway.upstream.backends import Backends
from fulcrum.gateway.upstream.poolmetrics import pool_metrics
from fulcrum.ledger import open_store
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.writer import LedgerWriter
from fulcrum.routing.budget import open_database
from fulcrum.routing.router import Router
from fulcrum.settings import data_dir

log = logging.getLogger(__name__)

# How long the ledger writer gathers rows before one insert, and how far its thread's CPU
# priority is lowered. Each insert is a burst of CPU beside the event loop, and on a small
# machine the requests in flight during one were the serial tail: smaller, more frequent
# inserts make each burst shorter, and at the lowest priority the scheduler gives a request's
# work the CPU at once instead of at the end of the writer's slice (bench/README.md). A
# database server does the inserting on its own CPU: fewer, larger transactions there, and
# the thread keeps its priority, since it prepares the rows too: it holds the GIL for that,
# and preempted at the lowest priority it could keep the event loop waiting for the GIL.
WRITE_DELAY_S = 0.004
REMOTE_WRITE_DELAY_S = 0.01
WRITER_NICE = 19


def open_ledger(config: GatewayConfig, catalog: Catalog | None = None) -> LedgerWriter:
    """The configured store behind a background writer that prices rows (from ``catalog``)."""
    store = open_store(config.ledger.url, timeout_s=config.ledger.timeout_s)
    pricer = ledger_pricer(config, catalog)
    pricer.warm()
    return LedgerWriter(
        store,
        pricer,
        spill_file=data_dir() / "ledger-spill.jsonl",
        max_delay_s=REMOTE_WRITE_DELAY_S if store.remote else WRITE_DELAY_S,
        # The Meter submits on the loop, after the answers went out. With a database server,
        # rows are prepared in the writer's thread: a budgeted call's settling, part of
        # building its row, may take a round trip to the database.
        prepare_in_caller=not store.remote,
        nice=0 if store.remote else WRITER_NICE,
    )


def ledger_pricer(config: GatewayConfig, catalog: Catalog | None) -> Pricer:
    """The ledger's prices: the catalog's cards and the configured ``[machine]``."""
    return Pricer.from_config(
        config.machine or None,
        reference_model=config.ledger.reference_model,
        catalog=catalog,
        file=config.source,
    )


def build_app(
    config: GatewayConfig, *, ledger: RowSink | None = None, probe: Probe | None = None
) -> web.Application:
    """The gateway application for ``config`` (the ledger writer is opened unless given).

    A config without backends (the embedded defaults before anything answers) serves at once;
    ``probe`` then looks for a backend in the background (:mod:`fulcrum.gateway.reprobe`)."""
    routing = config.routes
    catalog = startup_catalog()  # once, for the ledger's prices and /v1/models
    sink = ledger if ledger is not None else open_ledger(config, catalog)
    pricer = getattr(sink, "pricer", None) or ledger_pricer(config, catalog)
    metrics = Metrics()
    db = open_database(
        config.ledger.url, timeout_s=config.ledger.timeout_s
    )  # pins, budgets, feedback: shared by gateways
    brain = build_brain(config, pricer, db)
    state = GatewayState(
        config=config,
        backends=Backends(config.backends),
        router=Router(routing) if routing is not None else None,
        ledger=sink,
        metrics=metrics,
        meter=Meter(sink, metrics, pricer),
        catalog=catalog,
        brain=brain,
        db=db,
        request_hooks=extension_hooks(config),
        inbound_hooks=inbound_hooks(config),
    )
    if brain is not None:
        brain_metrics(metrics, brain)
        if brain.latency is not None:  # the local queue: this gateway's local calls in flight
            brain.latency.watch_queue(
                brain.policy.local.backend, lambda: state.local_clock.in_flight
            )
    pool_metrics(metrics.registry, state.backends)  # queue, replicas' load and health
    app = web.Application(
        middlewares=middlewares(config),
        client_max_size=config.server.max_body_bytes,
    )
    httpserver.prepare(app)
    metrics.in_flight.set_function(lambda: state.active)  # read at scrape time, not per call
    app[STATE] = state
    add_routes(app)
    install_extensions(app)
    app.on_startup.append(_startup)
    app.on_cleanup.append(_cleanup)
    if routing is None and probe is not None:
        reprobe.install(app, probe)
    return app


async def _startup(app: web.Application) -> None:
    app[STATE].backends.open()


async def _cleanup(app: web.Application) -> None:
    state = app[STATE]
    # Handlers aiohttp cancelled at the shutdown timeout still record their rows: let them.
    for _ in range(200):
        if state.active <= 0:
            break
        await asyncio.sleep(0.01)
    state.meter.flush()
    await state.backends.close()
    try:
        state.ledger.close()
    except Exception:  # the writer already logged; shutdown must go on
        log.exception("ledger: close failed")
    budget = state.brain.budget if state.brain is not None else None
    if budget is not None:  # after the writer, whose last rows settle into the leases
        try:
            budget.close()  # returns this process's budget leases to the database
        except Exception:  # shutdown must go on; unreturned leases expire on their own
            log.exception("budget: close failed")
    if state.db is not None:
        state.db.close()
