"""fulcrum's processes run on uvloop where it is installed, and get their coroutine's result;
a background thread can lower its own CPU priority (Linux)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

from fulcrum.aio import MAX_NICE, lower_thread_priority, run_loop

T = TypeVar("T")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice")


async def _loop_kind() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_run_loop_runs_on_uvloop_and_returns_the_result() -> None:
    assert run_loop(_loop_kind()).startswith("uvloop")


def _in_a_thread(work: Callable[[], T]) -> T:
    """``work``'s result, run in a thread of its own (a nice value stays with its thread)."""
    box: list[T] = []
    thread = threading.Thread(target=lambda: box.append(work()))
    thread.start()
    thread.join(10)
    return box[0]


def _lowered(increment: int) -> tuple[bool, int, int]:
    tid = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, tid)
    done = lower_thread_priority(increment)
    return done, before, os.getpriority(os.PRIO_PROCESS, tid)


@linux_only
def test_a_thread_lowers_its_own_priority_and_no_other() -> None:
    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    done, before, after = _in_a_thread(lambda: _lowered(5))
    assert done and after == min(MAX_NICE, before + 5)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before


@linux_only
def test_the_priority_stops_at_the_lowest_one() -> None:
    done, _, after = _in_a_thread(lambda: _lowered(100))
    assert done and after == MAX_NICE


def test_no_increment_changes_nothing() -> None:
    done, before, after = _in_a_thread(lambda: _lowered(0))
    assert not done and after == before
