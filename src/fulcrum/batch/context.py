"""What the batch endpoints share on the application: the store and this process's worker."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from fulcrum.batch.config import BatchConfig
from fulcrum.batch.store import BatchStore
from fulcrum.batch.worker import Worker
from fulcrum.errors import Unavailable
from fulcrum.gateway.inbound.middleware import CLIENT_KEY


@dataclass(slots=True)
class BatchContext:
    config: BatchConfig
    store: BatchStore
    worker: Worker | None  # None: [batch] enabled = false (this process serves, runs nothing)


BATCH: web.AppKey[BatchContext] = web.AppKey("fulcrum_batch", BatchContext)


def batch_context(request: web.Request) -> BatchContext:
    """The batch context, or a 503 when the gateway started without one (no ledger database)."""
    ctx = request.app.get(BATCH)
    if ctx is None:
        raise Unavailable("batches need the ledger database, which is not open")
    return ctx


def owner_of(request: web.Request) -> str | None:
    """The name of the client key the request came with (None: a gateway without keys): a
    batch or a file is its owner's alone, as a kept Responses answer is."""
    return request.get(CLIENT_KEY)
