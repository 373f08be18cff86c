from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from fulcrum.ledger import (
    LedgerRow,
    LedgerStore,
    LedgerWriter,
    Pricer,
    open_store,
    spill,
    sqlite_store,
)
from fulcrum.ledger.store import Aggregate

from .conftest import FakePrices

RowFactory = Callable[..., LedgerRow]


class MemoryStore:
    """A store in memory that can fail or block, recording each batch it was given."""

    description = "memory"
    remote = False

    def __init__(self, *, failures: int = 0, gate: threading.Event | None = None) -> None:
        self.saved: dict[str, LedgerRow] = {}
        self.batches: list[int] = []
        self.failures = failures
        self.gate = gate
        self.closed = False

    def insert_many(self, rows: Sequence[LedgerRow]) -> int:
        if self.gate is not None:
            self.gate.wait(10)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database went away")
        self.batches.append(len(rows))
        for row in rows:
            self.saved[row.id] = row
        return len(rows)

    def encode(self, row: LedgerRow) -> tuple[Any, ...]:
        return (row,)

    def insert_encoded(self, values: Sequence[tuple[Any, ...]]) -> int:
        return self.insert_many([encoded[0] for encoded in values])

    def aggregate(
        self, since: datetime | None, until: datetime | None, by: str | None
    ) -> list[Aggregate]:
        return []

    def rows(self, since: datetime | None = None, until: datetime | None = None) -> list[LedgerRow]:
        return list(self.saved.values())

    def count(self) -> int:
        return len(self.saved)

    def schema_version(self) -> int:
        return 1

    def close(self) -> None:
        self.closed = True


PREPARE_IN_CALLER = False  # set per test by the fixture below


@pytest.fixture(autouse=True, params=[False, True], ids=["thread-prepares", "caller-prepares"])
def _where_rows_are_prepared(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test of the writer runs both ways: rows prepared in its thread, or in submit()."""
    monkeypatch.setattr(f"{__name__}.PREPARE_IN_CALLER", request.param)


def _writer(store: Any, fake_prices: FakePrices, **kw: Any) -> LedgerWriter:
    kw.setdefault("prepare_in_caller", PREPARE_IN_CALLER)
    return LedgerWriter(cast(LedgerStore, store), Pricer(fake_prices), **kw)


def test_no_row_lost_with_many_threads(
    tmp_path: Path, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    writer = _writer(open_store(str(tmp_path / "l.db")), fake_prices)
    submitted: list[list[str]] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        for i in range(500):
            row = make_row(session=f"t{slot}", input_tokens=i)
            writer.submit(row)
            submitted[slot].append(row.id)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    store = open_store(str(tmp_path / "l.db"))
    rows = store.rows()
    store.close()
    assert len(rows) == 4000
    assert {r.id for r in rows} == {i for ids in submitted for i in ids}
    assert all(r.counterfactual_usd is not None and r.cost_usd is not None for r in rows)
    assert (writer.accepted, writer.written, writer.dropped, writer.pending) == (4000, 4000, 0, 0)


def test_close_while_submitting_loses_no_accepted_row(
    tmp_path: Path, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    # A queue that never overflows here: rows that go to the spill file are not "written".
    writer = _writer(open_store(str(tmp_path / "l.db")), fake_prices, max_queued=10**7)
    attempts = [0] * 4
    stop = threading.Event()

    def work(slot: int) -> None:
        while not stop.is_set():
            writer.submit(make_row(session=f"t{slot}"))
            attempts[slot] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    writer.close()
    time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    store = open_store(str(tmp_path / "l.db"))
    stored = store.count()
    store.close()
    assert writer.dropped > 0, "submits after close() must have happened for this test to mean"
    assert writer.accepted > 0
    assert stored == writer.accepted == writer.written
    assert writer.accepted + writer.dropped == sum(attempts)


def test_batches_are_bounded_and_a_lone_row_is_written_promptly(
    fake_prices: FakePrices, make_row: RowFactory
) -> None:
    store = MemoryStore()
    writer = _writer(store, fake_prices, batch_size=100, max_delay_s=0.02)
    lone = make_row()
    writer.submit(lone)
    deadline = time.monotonic() + 5
    while lone.id not in store.saved and time.monotonic() < deadline:
        time.sleep(0.005)
    assert lone.id in store.saved, "a single row must be flushed after max_delay_s, not at close"
    for _ in range(1050):
        writer.submit(make_row())
    writer.close()
    assert store.count() == 1051
    assert max(store.batches) <= 100
    assert store.closed


def test_submit_does_not_block_on_a_stuck_database(
    fake_prices: FakePrices, make_row: RowFactory
) -> None:
    gate = threading.Event()
    store = MemoryStore(gate=gate)
    writer = _writer(store, fake_prices)
    rows = [make_row() for _ in range(2000)]
    start = time.perf_counter()
    for row in rows:
        writer.submit(row)
    elapsed = time.perf_counter() - start
    assert store.count() == 0
    gate.set()
    writer.close()
    assert store.count() == 2000
    assert elapsed < 1.0, f"2,000 submits took {elapsed:.3f}s while the database was stuck"


def test_failed_inserts_are_retried(fake_prices: FakePrices, make_row: RowFactory) -> None:
    store = MemoryStore(failures=2)
    writer = _writer(store, fake_prices, retry_s=(0.01, 0.01, 0.01))
    for _ in range(10):
        writer.submit(make_row())
    writer.close()
    assert store.count() == 10
    assert writer.written == 10


def test_rows_the_database_refuses_are_spilled(
    tmp_path: Path, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    spill = tmp_path / "spill.jsonl"
    store = MemoryStore(failures=10**6)
    writer = _writer(store, fake_prices, retry_s=(0.001,), spill_file=spill)
    rows = [make_row(session="s") for _ in range(7)]
    for row in rows:
        writer.submit(row)
    writer.close()
    lines = [json.loads(line) for line in spill.read_text().splitlines()]
    assert [line["id"] for line in lines] == [r.id for r in rows]
    assert lines[0]["counterfactual_usd"] == "0.0045"
    assert (writer.written, writer.spilled, writer.pending) == (0, 7, 0)


def test_submit_never_raises_and_close_is_idempotent(
    fake_prices: FakePrices, make_row: RowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    writer = _writer(store, fake_prices)
    writer.submit(cast(LedgerRow, {"not": "a row"}))
    writer.submit(make_row())
    writer.close()
    writer.close()
    writer.submit(make_row())
    assert store.count() == 1
    assert writer.dropped == 2
    assert "not a LedgerRow" in caplog.text
    assert "after close()" in caplog.text


def test_a_deferred_row_is_built_in_the_writer_thread(
    fake_prices: FakePrices, make_row: RowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    writer = _writer(store, fake_prices, prepare_in_caller=False)
    built_in: list[str] = []

    def build() -> LedgerRow:
        built_in.append(threading.current_thread().name)
        return make_row(session="deferred")

    def broken() -> LedgerRow:
        raise ValueError("no usage")

    writer.submit(build)
    writer.submit(broken)
    writer.submit(make_row(session="plain"))
    writer.close()
    assert sorted(r.session or "" for r in store.saved.values()) == ["deferred", "plain"]
    assert built_in == ["fulcrum-ledger"]
    assert all(r.counterfactual_usd is not None for r in store.saved.values())  # priced
    assert (writer.accepted, writer.written, writer.dropped, writer.pending) == (2, 2, 1, 0)
    assert "building a row failed" in caplog.text


def test_prepare_in_caller_leaves_the_writer_thread_only_the_insert(
    fake_prices: FakePrices, make_row: RowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The gateway's mode: built, priced and encoded in submit(); inserted in the thread."""
    seen: dict[str, list[str]] = {"build": [], "encode": [], "insert": []}

    class Watched(MemoryStore):
        def encode(self, row: LedgerRow) -> tuple[Any, ...]:
            seen["encode"].append(threading.current_thread().name)
            return super().encode(row)

        def insert_encoded(self, values: Sequence[tuple[Any, ...]]) -> int:
            seen["insert"].append(threading.current_thread().name)
            return super().insert_encoded(values)

    store = Watched()
    writer = _writer(store, fake_prices, prepare_in_caller=True, max_delay_s=0.01)

    def build() -> LedgerRow:
        seen["build"].append(threading.current_thread().name)
        return make_row(session="deferred")

    def broken() -> LedgerRow:
        raise ValueError("no usage")

    writer.submit(build)
    writer.submit(broken)  # lost at once, never accepted
    writer.submit(make_row(session="plain"))
    assert (writer.accepted, writer.dropped) == (2, 1)
    writer.close()
    here = threading.current_thread().name
    assert seen == {"build": [here], "encode": [here, here], "insert": ["fulcrum-ledger"]}
    assert sorted(r.session or "" for r in store.saved.values()) == ["deferred", "plain"]
    assert all(r.counterfactual_usd is not None for r in store.saved.values())  # priced
    assert (writer.accepted, writer.written, writer.dropped, writer.pending) == (2, 2, 1, 0)
    assert "building a row failed" in caplog.text


def test_a_pricing_failure_keeps_the_row(make_row: RowFactory) -> None:
    class Broken:
        def price(self, model: str, provider: str | None = None, *, at: object = None) -> None:
            raise KeyError(model)

    store = MemoryStore()
    writer = LedgerWriter(cast(LedgerStore, store), Pricer(Broken()))
    writer.submit(make_row(cost_usd=Decimal(1)))
    writer.close()
    (row,) = store.saved.values()
    assert row.cost_usd == Decimal(1)
    assert row.counterfactual_usd is None


def test_an_outage_does_not_stall_close(
    tmp_path: Path, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    gate = threading.Event()
    store = MemoryStore(failures=10**6, gate=gate)
    spill = tmp_path / "spill.jsonl"
    writer = _writer(store, fake_prices, batch_size=10, retry_s=(0.3, 0.3), spill_file=spill)
    for _ in range(100):
        writer.submit(make_row())
    start = time.perf_counter()
    gate.set()
    writer.close()
    elapsed = time.perf_counter() - start
    assert writer.spilled == 100
    assert len(spill.read_text().splitlines()) == 100
    # Only the first failing batch waits out its retries (0.6 s); the other nine try once.
    assert elapsed < 2.0, f"close took {elapsed:.2f}s during an outage"


def test_retries_resume_after_the_database_recovers(
    tmp_path: Path, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    store = MemoryStore(failures=1)
    writer = _writer(store, fake_prices, retry_s=(0.01,), spill_file=tmp_path / "spill.jsonl")

    def settle(done: int) -> None:
        deadline = time.monotonic() + 5
        while writer.written + writer.spilled < done and time.monotonic() < deadline:
            time.sleep(0.01)

    writer.submit(make_row())  # the first try fails, the retry writes it
    settle(1)
    store.failures = 2
    writer.submit(make_row())  # fails try and retry: spilled; the database is now "down"
    settle(2)
    store.failures = 1
    writer.submit(make_row())  # while down: one try only, so it is spilled at once
    settle(3)
    writer.submit(make_row())  # succeeds: the database is back
    settle(4)
    store.failures = 1
    writer.submit(make_row())  # healthy again: the retry saves it
    writer.close()
    assert (writer.written, writer.spilled) == (3, 2)


def test_the_queue_is_bounded_while_the_database_is_down_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    """A real SQLite ledger whose write lock another process holds: each insert waits out
    the busy timeout. Rows beyond ``max_queued`` are spilled at once (priced), not queued;
    once the lock is gone, replay brings the ledger to every row submitted."""
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 1.0)
    db = tmp_path / "ledger.sqlite"
    store = open_store(str(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    spilled = tmp_path / "spill.jsonl"
    writer = LedgerWriter(
        store, Pricer(fake_prices), batch_size=10, retry_s=(), spill_file=spilled, max_queued=20
    )
    rows = [make_row(model="cheap-model", provider="acme") for _ in range(300)]
    for row in rows:
        writer.submit(row)
        assert len(writer._queue) <= 20
    assert writer.overflowed >= 300 - 20 - 10  # at most a queue and a batch held back
    deadline = time.monotonic() + 5
    while writer.spilled < writer.overflowed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer.spilled >= writer.overflowed  # on disk while the database is still locked
    assert all(r.cost_usd == Decimal("0.0012") for r in spill.read_rows(spilled))
    holder.rollback()
    holder.close()
    writer.close()
    assert writer.written + writer.spilled == 300 and writer.dropped == 0
    again = open_store(str(db))
    spill.replay(again, spilled)
    assert {r.id for r in again.rows()} == {r.id for r in rows}
    again.close()


def _nice_of(writer: LedgerWriter) -> int:
    """The writer thread's nice value, once the thread has set it (or 5 s have passed)."""
    tid = writer._thread.native_id
    assert tid is not None
    deadline = time.monotonic() + 5
    start = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    while os.getpriority(os.PRIO_PROCESS, tid) == start and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpriority(os.PRIO_PROCESS, tid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice")
def test_the_writer_thread_runs_at_the_priority_it_is_given(
    tmp_path: Path, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    """``nice=19``: the inserting thread at the lowest CPU priority, rows still written; the
    caller's thread keeps its own."""
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    writer = _writer(open_store(str(tmp_path / "l.db")), fake_prices, nice=19, max_delay_s=0.001)
    assert _nice_of(writer) == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own
    rows = [make_row() for _ in range(50)]
    for row in rows:
        writer.submit(row)
    writer.close()
    assert writer.written == 50 and writer.dropped == 0
    assert {r.id for r in open_store(str(tmp_path / "l.db")).rows()} == {r.id for r in rows}


def test_the_writer_thread_keeps_the_callers_priority_by_default(
    tmp_path: Path, fake_prices: FakePrices
) -> None:
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    writer = _writer(open_store(str(tmp_path / "l.db")), fake_prices)
    time.sleep(0.05)
    tid = writer._thread.native_id
    assert tid is not None and os.getpriority(os.PRIO_PROCESS, tid) == own
    writer.close()
