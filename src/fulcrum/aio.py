"""The event loop every long-running fulcrum process runs on, and the threads beside it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
MAX_NICE = 19  # the lowest priority a Linux thread can have


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop (libuv's event loop; installed with fulcrum except
    on Windows), else on asyncio's own loop, and return its result."""
    try:
        import uvloop  # noqa: PLC0415 - optional: not on Windows
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def lower_thread_priority(increment: int) -> bool:
    """Lower the calling thread's CPU priority by ``increment`` nice steps (Linux keeps a
    nice value per thread); False where that is not possible (another OS, a sandbox that
    forbids it). For a background thread beside the event loop: when the loop's work wakes
    up, the scheduler hands it the CPU at once instead of at the end of the thread's slice."""
    if increment <= 0 or not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(MAX_NICE, now + increment))
    except OSError:
        return False
    return True


def stop_requested() -> threading.Event:
    """An event that SIGTERM or SIGINT sets, from now on: for a command that serves until it is
    stopped, to end cleanly (exit 0, as `fulcrum serve` does) rather than by the signal's own
    exit code. Ask for it before announcing readiness, or an early stop is lost."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
