"""The batch capability as a gateway extension: the ``[batch]`` table, the endpoints, and
the worker started with the gateway (after the backends are open) and stopped before the
ledger is flushed."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from fulcrum.batch.config import BatchConfig, parse_batch
from fulcrum.batch.context import BATCH, BatchContext
from fulcrum.batch.endpoints import add_routes
from fulcrum.batch.store import BatchStore
from fulcrum.batch.worker import Worker
from fulcrum.gateway.extensions import ExtensionContext
from fulcrum.gateway.state import STATE
from fulcrum.tables import Table

log = logging.getLogger(__name__)


class BatchExtension:
    key = "batch"

    def parse(self, table: Table, context: ExtensionContext) -> Any:
        return parse_batch(table, context.backends)

    def add_routes(self, app: web.Application) -> None:
        add_routes(app)

    async def start(self, app: web.Application) -> None:
        state = app[STATE]
        config: BatchConfig = state.config.extensions[self.key]
        if state.db is None:  # the endpoints answer 503
            log.error("batch: the ledger database is not open; batches are off")
            return
        store = BatchStore(state.db)
        worker = Worker(state, store, config) if config.enabled else None
        app[BATCH] = BatchContext(config, store, worker)
        if worker is not None:
            worker.start()

    async def stop(self, app: web.Application) -> None:
        ctx = app.get(BATCH)
        if ctx is not None and ctx.worker is not None:
            await ctx.worker.stop()


EXTENSION = BatchExtension()
