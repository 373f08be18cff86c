"""What the batch endpoints share on the application: the store and this process's worker."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from fulcrum.batch.config import BatchConfig
from fulcrum.batch.store import BatchStore
from fulcrum.batch.worker import Worker


@dataclass(slots=True)
class BatchContext:
    config: BatchConfig
    store: BatchStore
    worker: Worker | None  # None: [batch] enabled = false (this process serves, runs nothing)


BATCH: web.AppKey[BatchContext] = web.AppKey("fulcrum_batch", BatchContext)
