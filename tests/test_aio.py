"""fulcrum's processes run on uvloop where it is installed, and get their coroutine's result."""

from __future__ import annotations

import asyncio

from fulcrum.aio import run_loop


async def _loop_kind() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_run_loop_runs_on_uvloop_and_returns_the_result() -> None:
    assert run_loop(_loop_kind()).startswith("uvloop")
