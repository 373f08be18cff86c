"""The latency guard rebuilt from the ledger's recent local TTFTs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fulcrum.ledger import LedgerRow, open_store
from fulcrum.routing.replay.latency import guard_from_ledger, guard_from_rows
from fulcrum.routing.slo import LatencyConfig

CONFIG = LatencyConfig(ttft_ms_max=1000, window_s=60, min_hold_s=30)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def local(seconds_ago: float, ttft_ms: float | None, **kw: object) -> LedgerRow:
    return LedgerRow(ts=NOW - timedelta(seconds=seconds_ago), backend="llama",
                     backend_kind="local", ttft_ms=ttft_ms, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_slow_recent_calls_spill_and_old_ones_have_left_the_window() -> None:
    slow = [local(s, 2500) for s in (50, 40, 30)]
    guard, fed = guard_from_rows(CONFIG, slow, NOW)
    assert fed == 3 and guard.spilling("llama")
    assert guard.state("llama").ttft_ms == 2500
    old = [local(s, 2500) for s in (200, 190, 180)]
    guard, fed = guard_from_rows(CONFIG, old, NOW)
    assert fed == 3 and not guard.spilling("llama")


def test_only_successful_local_ttfts_count() -> None:
    rows = [
        local(10, 2500),
        local(9, None),  # not streamed: no TTFT
        local(8, 2500, status=502),
        LedgerRow(ts=NOW - timedelta(seconds=7), backend="frontier", ttft_ms=2500),
    ]
    guard, fed = guard_from_rows(CONFIG, rows, NOW)
    assert fed == 1 and not guard.spilling("llama")  # one sample is below MIN_SAMPLES


def test_a_spill_holds_while_the_hysteresis_holds_it() -> None:
    # slow calls, then fast ones at 80% of the limit: above recover_ratio (70%), still spilling
    rows = [local(s, 2500) for s in (58, 57, 56)] + [local(s, 800) for s in range(20, 0, -2)]
    guard, _ = guard_from_rows(CONFIG, rows, NOW)
    assert guard.spilling("llama")


def test_from_the_ledger_reads_the_window_and_the_hold(tmp_path: object) -> None:
    store = open_store(f"{tmp_path}/ledger.db")
    try:
        store.insert_many([local(s, 2500) for s in (120, 85, 80, 75, 10)])
        rebuilt = guard_from_ledger(CONFIG, store, NOW)
    finally:
        store.close()
    assert rebuilt.samples == 4 and rebuilt.since == NOW - timedelta(seconds=90)
    # it spilled 75 s ago; now one sample is left in the window and the hold is over
    assert not rebuilt.guard.spilling("llama")
    assert rebuilt.guard.state("llama").samples == 1
