"""The meter hands finished calls to the writer when the loop next waits on an upstream (in a
callback of their own, after what is ready ran), or after a short wait when none comes; with
no event loop, at once."""

from __future__ import annotations

import asyncio
import threading

from fulcrum.gateway.meter import FLUSH_AFTER_S, Meter
from fulcrum.gateway.metering import Call, Metrics, RowSource
from fulcrum.ledger.row import LedgerRow


class Sink:
    """Builds each row where it is submitted, as the gateway's writer does."""

    def __init__(self) -> None:
        self.rows: list[tuple[LedgerRow, str]] = []

    def submit(self, row: RowSource) -> None:
        built = row if isinstance(row, LedgerRow) else row()
        self.rows.append((built, threading.current_thread().name))

    def close(self, timeout: float | None = None) -> None: ...


def _call(model: str) -> Call:
    call = Call(endpoint="/v1/messages")
    call.model = call.model_requested = model
    call.backend = "b"
    return call


async def test_calls_wait_for_the_loop_to_wait_on_an_upstream_then_go_in_one_batch() -> None:
    sink = Sink()
    meter = Meter(sink, Metrics())
    meter.add(_call("m1"))
    meter.add(_call("m2"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert sink.rows == []  # nothing built on the request path, nor right after it
    seen_by_ready: list[int] = []
    loop = asyncio.get_running_loop()
    loop.call_soon(lambda: seen_by_ready.append(len(sink.rows)))  # e.g. an answer to send
    meter.flush_soon()  # the proxy, about to wait on an upstream
    meter.flush_soon()  # asked twice: handed over once
    assert sink.rows == []  # not before the caller suspends
    await asyncio.sleep(0)
    assert seen_by_ready == [0]  # what was ready ran first
    assert [r.model for r, _ in sink.rows] == ["m1", "m2"]  # then both, in one callback
    assert {thread for _, thread in sink.rows} == {threading.current_thread().name}
    assert all(r.duration_ms is not None and r.duration_ms >= 0 for r, _ in sink.rows)
    await asyncio.sleep(FLUSH_AFTER_S * 3)  # the fallback timer was cancelled: no repeat
    assert len(sink.rows) == 2


async def test_an_idle_gateway_hands_its_calls_over_after_a_short_wait() -> None:
    sink = Sink()
    meter = Meter(sink, Metrics())
    meter.flush_soon()  # nothing ended: nothing scheduled
    meter.add(_call("m1"))
    await asyncio.sleep(0)
    assert sink.rows == []
    await asyncio.sleep(FLUSH_AFTER_S * 5)  # no upstream wait came: the timer hands it over
    assert [r.model for r, _ in sink.rows] == ["m1"]
    meter.add(_call("m2"))  # a new batch: a new timer
    await asyncio.sleep(FLUSH_AFTER_S * 5)
    assert [r.model for r, _ in sink.rows] == ["m1", "m2"]


def test_without_an_event_loop_a_call_is_handed_over_at_once() -> None:
    sink = Sink()
    Meter(sink, Metrics()).add(_call("m"))
    assert [r.model for r, _ in sink.rows] == ["m"]


async def test_flush_hands_over_what_is_waiting_at_shutdown() -> None:
    sink = Sink()
    meter = Meter(sink, Metrics())
    meter.add(_call("m"))
    meter.flush()  # what the app's cleanup does before closing the writer
    assert [r.model for r, _ in sink.rows] == ["m"]
    await asyncio.sleep(FLUSH_AFTER_S * 3)  # its timer was cancelled: nothing handed twice
    assert len(sink.rows) == 1
