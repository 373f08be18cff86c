"""LeasedBudgetBook: leases on a book standing in for the database, on a clock the test moves."""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.errors import Unavailable
from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget import (
    BudgetConfig,
    LeasedBudgetBook,
    Limits,
    MemoryBudgetBook,
    Refusal,
    Reservation,
    WindowStatus,
    budget_book,
    open_database,
    owed,
)
from fulcrum.routing.budget.lease import DOWN_S

D = Decimal
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
DAY = {"limits": Limits(daily_usd=D(20))}


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Database(MemoryBudgetBook):
    """The database book: counts what is asked of it, and can fail its next settles."""

    shared = True

    def __init__(self, config: BudgetConfig, clock: Clock) -> None:
        super().__init__(config, clock=clock)
        self.leases: list[Decimal] = []  # every reserve's amount, granted or not
        self.touches = 0
        self.fail_settles = 0

    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        self.touches += 1
        self.leases.append(estimate)
        return super().reserve(key, estimate)

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        self.touches += 1
        if self.fail_settles:
            self.fail_settles -= 1
            raise ConnectionError("the database is down")
        super().settle(reservation, actual)

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        self.touches += 1
        return super().status(key)


def _books(clock: Clock, **config: object) -> tuple[LeasedBudgetBook, Database]:
    db = Database(BudgetConfig(**config), clock)  # type: ignore[arg-type]
    return LeasedBudgetBook(db, clock=clock, reap_s=None), db


def _held(result: Reservation | Refusal) -> Reservation:
    assert isinstance(result, Reservation), result
    return result


def _day(book: MemoryBudgetBook | LeasedBudgetBook, key: str | None = None) -> WindowStatus:
    return book.status(key)["global/day"]


def test_calls_are_paid_from_a_lease_and_the_database_sees_the_exact_spend() -> None:
    book, db = _books(Clock(), **DAY)
    rng, total = random.Random(7), D(0)
    for _ in range(300):  # about $16.50 of the $20
        held = _held(book.reserve(None, D("0.10")))
        cost = D(rng.randint(1, 10)) / 100
        book.settle(held, cost)
        total += cost
    assert db.leases[0] == D(1)  # 5% of the $20 limit (what is left / 8 is more)
    assert db.touches < 80  # status, reserve, settle: a lease pays for 6 to 16 calls
    assert _day(book) == WindowStatus("global/day", "2026-12-01", D(20), total, D(0))
    book.close()
    assert (_day(db).spent, _day(db).reserved) == (total, D(0))


def test_a_nearly_spent_budget_leases_in_small_pieces_never_below_the_estimate() -> None:
    book, db = _books(Clock(), **DAY)
    book.settle(_held(book.reserve(None, D(16))), D(16))  # $4 left: leases of 4/8
    book.settle(_held(book.reserve(None, D("0.01"))), D("0.01"))
    assert db.leases[-1] == D("0.5")
    book.settle(_held(book.reserve(None, D(2))), D(2))  # larger than a piece: the estimate
    assert db.leases[-1] == D(2)
    assert _day(db).reserved <= D("0.25")  # the next lease: an eighth of what is left


def test_refused_only_when_the_database_cannot_hold_the_estimate() -> None:
    book, _ = _books(Clock(), limits=Limits(daily_usd=D(1)))
    held = _held(book.reserve(None, D("0.6")))
    refused = book.reserve(None, D("0.5"))
    assert isinstance(refused, Refusal) and refused.reason == "budget:global/day"
    assert (refused.window.reserved, refused.window.left) == (D("0.6"), D("0.4"))
    assert isinstance(book.reserve(None, D("0.4")), Reservation)  # exactly what is left
    book.settle(held, D(0))


def test_a_refusal_first_takes_back_this_processs_idle_leases() -> None:
    """alice's lease holds global money too: a global call short of it gets it back."""
    config = {"limits": Limits(daily_usd=D(1)), "keys": {"alice": Limits(daily_usd=D(10))}}
    book, db = _books(Clock(), **config)
    book.settle(_held(book.reserve("alice", D("0.5"))), D("0.1"))  # and alice leases again
    assert _day(db).reserved == D("0.5")
    assert isinstance(book.reserve(None, D("0.8")), Reservation)


def test_a_lease_never_pays_for_the_next_days_calls() -> None:
    clock = Clock(datetime(2026, 12, 1, 23, 59, tzinfo=UTC).timestamp())
    book, db = _books(clock, **DAY)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.07"))
    clock.now += 120  # 00:01 on Dec 2
    held = _held(book.reserve(None, D("0.1")))
    assert held.windows == (("global/day", "2026-12-02"),)
    book.settle(held, D("0.03"))
    book.close()
    assert _day(db) == WindowStatus("global/day", "2026-12-02", D(20), D("0.03"), D(0))
    clock.now -= 120
    assert _day(db) == WindowStatus("global/day", "2026-12-01", D(20), D("0.07"), D(0))


def test_a_lease_half_as_old_as_a_hold_is_settled_and_replaced() -> None:
    clock = Clock()
    book, db = _books(clock, hold_s=60.0, **DAY)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.04"))
    clock.now += 31
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.05"))
    assert (_day(db).spent, len(db.leases)) == (D("0.04"), 2)


def test_an_idle_lease_goes_back() -> None:
    clock = Clock()
    book, db = _books(clock, **DAY)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.04"))
    clock.now += 29
    book.reap()
    assert _day(db).reserved == D(1)
    clock.now += 1
    book.reap()
    assert (_day(db).spent, _day(db).reserved) == (D("0.04"), D(0))


def test_a_call_dearer_than_its_lease_is_charged_in_full_at_once() -> None:
    book, db = _books(Clock(), limits=Limits(daily_usd=D(10)))
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.9"))  # a lease of $0.50
    assert _day(db).spent == D("0.9")  # settled in settle, off the request path
    assert _day(book) == WindowStatus("global/day", "2026-12-01", D(10), D("0.9"), D(0))


def test_status_counts_other_processes_leases_as_reserved() -> None:
    clock = Clock()
    one, db = _books(clock, **DAY)
    two = LeasedBudgetBook(db, clock=clock, reap_s=None)
    one.settle(_held(one.reserve(None, D("0.1"))), D("0.25"))
    assert (_day(one).spent, _day(one).reserved) == (D("0.25"), D(0))
    assert (_day(two).spent, _day(two).reserved) == (D(0), D(1))  # one's lease, in full


def test_a_call_outliving_its_leases_hold_is_charged_straight_to_the_database() -> None:
    clock = Clock()
    book, db = _books(clock, hold_s=60.0, **DAY)
    held = _held(book.reserve(None, D("0.1")))
    clock.now += 61
    book.reap()  # the lease's hold expired: settled with what it spent (nothing yet)
    assert (_day(db).spent, _day(db).reserved) == (D(0), D(0))
    book.settle(held, D("0.08"))
    assert _day(db).spent == D("0.08")


def test_close_settles_calls_in_flight_at_their_estimate() -> None:
    book, db = _books(Clock(), **DAY)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.02"))
    held = _held(book.reserve(None, D("0.1")))
    book.close()
    assert (_day(db).spent, _day(db).reserved) == (D("0.12"), D(0))
    book.settle(held, D("0.01"))  # after close: nothing more
    assert _day(db).spent == D("0.12")


def test_a_failed_lease_settle_is_retried(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    book, db = _books(clock, **DAY)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.04"))
    db.fail_settles = 2  # and its retry at the end of the same round
    clock.now += 30
    with caplog.at_level(logging.ERROR):
        book.reap()
    assert "will retry" in caplog.text and _day(db).spent == D(0)
    book.reap()
    assert (_day(db).spent, _day(db).reserved) == (D("0.04"), D(0))


def test_one_process_reads_and_decides_as_the_database_book() -> None:
    clock = Clock()
    config = {"limits": Limits(daily_usd=D(3)), "keys": {"a": Limits(daily_usd=D(1))}}
    book, _ = _books(clock, **config)
    plain = MemoryBudgetBook(BudgetConfig(**config), clock=clock)  # type: ignore[arg-type]
    rng = random.Random(11)
    for _ in range(400):
        key, estimate = rng.choice(["a", None, "b"]), D(rng.randint(1, 30)) / 100
        got, want = book.reserve(key, estimate), plain.reserve(key, estimate)
        assert got.ok == want.ok
        if isinstance(got, Reservation) and isinstance(want, Reservation):
            cost = estimate * rng.choice([0, 1, 2]) / 2
            book.settle(got, cost)
            plain.settle(want, cost)
        clock.now += rng.choice([1, 10, 100])
        assert book.status(key) == plain.status(key)


def test_the_reaper_thread_returns_idle_leases() -> None:
    config = BudgetConfig(**DAY)  # type: ignore[arg-type]
    db = MemoryBudgetBook(config)
    book = LeasedBudgetBook(db, idle_s=0.05, reap_s=0.01)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.04"))
    deadline = time.monotonic() + 5
    while _day(db).reserved and time.monotonic() < deadline:
        time.sleep(0.01)
    book.close()
    assert (_day(db).spent, _day(db).reserved) == (D("0.04"), D(0))


def test_threads_on_several_keys_never_overshoot_the_shared_limit() -> None:
    config = {"limits": Limits(daily_usd=D(5)), "keys": {"a": Limits(daily_usd=D(2))}}
    book, db = _books(Clock(), **config)
    spent: list[Decimal] = []

    def work(key: str | None, seed: int) -> None:
        rng = random.Random(seed)
        while isinstance(held := book.reserve(key, D("0.10")), Reservation):
            cost = D(rng.randint(5, 10)) / 100
            time.sleep(0.0002)
            book.settle(held, cost)
            spent.append(cost)

    pool = [threading.Thread(target=work, args=(k, i)) for i, k in enumerate(["a", None] * 4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert sum(spent, D(0)) <= D(5) and _day(book).spent == sum(spent, D(0))
    book.close()
    assert (_day(db).spent, _day(db).reserved) == (sum(spent, D(0)), D(0))
    assert db.status("a")["key:a/day"].spent <= D(2)


def test_the_factory_leases_a_database_book_unless_told_not_to(tmp_path: Path) -> None:
    config = BudgetConfig(**DAY)  # type: ignore[arg-type]
    leased = budget_book(config, open_database(str(tmp_path / "ledger.db")))
    plain = budget_book(config, open_database(str(tmp_path / "ledger.db")), leased=False)
    try:
        assert isinstance(leased, LeasedBudgetBook) and leased.shared
        assert not isinstance(plain, LeasedBudgetBook) and plain.shared
        assert not isinstance(budget_book(config, None), LeasedBudgetBook)
    finally:
        leased.close()
        plain.close()


def test_near_exhaustion_a_lease_is_the_estimate_and_skips_the_status_read() -> None:
    clock = Clock()
    book, db = _books(clock, limits=Limits(daily_usd=D(1)))
    reads = 0

    def status(key: str | None = None) -> dict[str, WindowStatus]:
        nonlocal reads
        reads += 1
        return MemoryBudgetBook.status(db, key)

    db.status = status  # type: ignore[method-assign]
    book.settle(_held(book.reserve(None, D("0.2"))), D("0.2"))  # and the next lease, ahead
    assert (db.leases, reads) == ([D("0.2"), D("0.2")], 1)  # 0.8 left: an eighth is less
    clock.now += 2  # what was left is no longer known
    book.settle(_held(book.reserve(None, D("0.2"))), D("0.2"))
    assert (db.leases[2:], reads) == ([D("0.2")], 2)


class DownDatabase(Database):
    """The database book, unreachable while ``down``."""

    down = False

    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        if self.down:
            self.touches += 1
            raise LedgerUnavailable("lost the ledger database postgresql://u@db:5432/x: gone")
        return super().reserve(key, estimate)

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        if self.down:
            self.touches += 1
            raise LedgerUnavailable("lost the ledger database postgresql://u@db:5432/x: gone")
        return super().status(key)


def test_an_unreachable_budget_refuses_the_frontier_call_with_a_503_reason() -> None:
    clock = Clock()
    db = DownDatabase(BudgetConfig(**DAY), clock)  # type: ignore[arg-type]
    book = LeasedBudgetBook(db, clock=clock, reap_s=None)
    db.down = True
    got = book.reserve(None, D("0.1"))
    assert isinstance(got, Refusal) and got.reason == "budget:unavailable"
    error = got.error()
    assert isinstance(error, Unavailable) and error.status == 503
    assert "db:5432" not in error.message
    touched = db.touches
    assert isinstance(book.reserve(None, D("0.1")), Refusal)
    assert db.touches == touched  # failed a moment ago: not asked again
    db.down = False
    clock.now += DOWN_S
    assert isinstance(book.reserve(None, D("0.1")), Reservation)
    book.close()


def test_settles_the_database_refuses_at_close_are_kept_and_settled_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(owed, "CLOSE_S", 0.05)
    spill = tmp_path / "budget-spill.jsonl"
    clock = Clock()
    db = Database(BudgetConfig(**DAY), clock)  # type: ignore[arg-type]
    book = LeasedBudgetBook(db, clock=clock, reap_s=None, spill=spill)
    book.settle(_held(book.reserve(None, D("0.1"))), D("0.04"))
    db.fail_settles = 1_000  # the database is down at shutdown
    book.close()
    assert len(spill.read_text().splitlines()) == 1 and _day(db).spent == D(0)
    db.fail_settles = 0
    again = LeasedBudgetBook(db, clock=clock, reap_s=None, spill=spill)
    assert not spill.exists()
    again.reap()
    assert (_day(db).spent, _day(db).reserved) == (D("0.04"), D(0))
    again.close()
