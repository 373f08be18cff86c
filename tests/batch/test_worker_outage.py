"""The batch worker during a database outage: one warning line, no traceback per poll."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from fulcrum.batch.config import BatchConfig
from fulcrum.batch.worker import Worker
from fulcrum.ledger.store import LedgerUnavailable


async def test_a_database_outage_is_one_warning_line_not_a_traceback_per_poll(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Worker(None, None, BatchConfig(poll_s=0.01))  # type: ignore[arg-type]
    ticks = 0

    async def down() -> None:
        nonlocal ticks
        ticks += 1
        raise LedgerUnavailable("lost the ledger database postgresql://db/x: gone")

    worker._tick = down  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="fulcrum.batch.worker"):
        loop: asyncio.Task[Any] = asyncio.create_task(worker._run())
        while ticks < 10:
            await asyncio.sleep(0.01)
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    lines = [r for r in caplog.records if r.name == "fulcrum.batch.worker"]
    assert [r.levelno for r in lines] == [logging.WARNING]
    assert lines[0].exc_info is None and "claiming items failed" in lines[0].getMessage()
