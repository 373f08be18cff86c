"""The event loop every long-running fulcrum process runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop (libuv's event loop; installed with fulcrum except
    on Windows), else on asyncio's own loop, and return its result."""
    try:
        import uvloop  # noqa: PLC0415 - optional: not on Windows
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
