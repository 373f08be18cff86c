"""The budget book contract, the same for memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fulcrum.routing.budget import (
    BudgetConfig,
    BudgetExhausted,
    Limits,
    Refusal,
    Reservation,
    status_report,
)

from .conftest import MakeBook

D = Decimal
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _config(**kw: object) -> BudgetConfig:
    return BudgetConfig(**kw)  # type: ignore[arg-type]


def test_reserve_settle_and_status(make_book: MakeBook) -> None:
    book = make_book(_config(limits=Limits(daily_usd=D(10), monthly_usd=D(100))), clock=Clock())
    held = book.reserve(None, D("4"))
    assert isinstance(held, Reservation) and held.ok
    assert book.status()["global/day"].reserved == D(4)
    book.settle(held, D("3.5"))
    day = book.status()["global/day"]
    assert (day.period, day.spent, day.reserved, day.left) == (
        "2026-12-01",
        D("3.5"),
        D(0),
        D("6.5"),
    )
    assert book.status()["global/month"].as_dict()["left"] == "96.5"


def test_refusal_names_the_window_and_what_is_left(make_book: MakeBook) -> None:
    limits = {"alice": Limits(daily_usd=D(2))}
    book = make_book(_config(limits=Limits(daily_usd=D(10)), keys=limits), clock=Clock())
    book.settle(_held(book.reserve("alice", D("1.5"))), D("1.5"))
    refused = book.reserve("alice", D(1))
    assert isinstance(refused, Refusal) and not refused.ok
    assert refused.reason == "budget:key:alice/day"
    assert "$0.5 left of $2" in refused.message
    assert isinstance(refused.error(), BudgetExhausted) and refused.error().status == 429
    assert isinstance(book.reserve("bob", D(1)), Reservation)  # bob has only the global limit
    assert isinstance(book.reserve(None, D(1)), Reservation)


def test_all_or_nothing_across_windows(make_book: MakeBook) -> None:
    config = _config(limits=Limits(daily_usd=D(10)), keys={"a": Limits(monthly_usd=D(3))})
    book = make_book(config, clock=Clock())
    assert isinstance(book.reserve("a", D(4)), Refusal)
    assert book.status("a")["global/day"].reserved == 0  # the refused call held nothing


def test_failed_call_releases_its_hold(make_book: MakeBook) -> None:
    book = make_book(_config(limits=Limits(daily_usd=D(1))), clock=Clock())
    held = _held(book.reserve(None, D(1)))
    assert isinstance(book.reserve(None, D("0.01")), Refusal)
    book.settle(held, D(0))
    assert isinstance(book.reserve(None, D(1)), Reservation)


def test_unsettled_hold_expires(make_book: MakeBook) -> None:
    clock = Clock()
    book = make_book(_config(limits=Limits(daily_usd=D(1)), hold_s=60.0), clock=clock)
    _held(book.reserve(None, D(1)))  # its process "crashes": never settled
    assert isinstance(book.reserve(None, D(1)), Refusal)
    clock.now += 61
    assert isinstance(book.reserve(None, D(1)), Reservation)


def test_day_rolls_over_in_the_budget_time_zone(make_book: MakeBook) -> None:
    clock = Clock(datetime(2026, 12, 1, 22, 30, tzinfo=UTC).timestamp())
    config = _config(limits=Limits(daily_usd=D(1)), timezone="Europe/Paris")
    book = make_book(config, clock=clock)
    book.settle(_held(book.reserve(None, D(1))), D(1))  # 23:30 in Paris: Dec 1
    assert book.status()["global/day"].period == "2026-12-01"
    clock.now += 3600  # 00:30 in Paris: a new day
    assert isinstance(book.reserve(None, D(1)), Reservation)
    assert book.status()["global/day"].period == "2026-12-02"


def test_no_limits_is_free_and_touches_nothing(make_book: MakeBook) -> None:
    book = make_book(_config(), clock=Clock())
    held = _held(book.reserve("anyone", D(1000)))
    assert held.windows == ()
    book.settle(held, D(1000))
    assert book.status("anyone") == {}


def test_overrun_is_charged_then_later_calls_are_refused(make_book: MakeBook) -> None:
    book = make_book(_config(limits=Limits(daily_usd=D(10))), clock=Clock())
    book.settle(_held(book.reserve(None, D(9))), D(12))  # the call cost more than estimated
    assert book.status()["global/day"].spent == D(12)
    assert isinstance(book.reserve(None, D("0.01")), Refusal)


def test_two_books_on_one_database_share_the_budget(make_shared_book: MakeBook) -> None:
    config = _config(limits=Limits(daily_usd=D(2)))
    one, two = make_shared_book(config, clock=Clock()), make_shared_book(config, clock=Clock())
    assert one.shared and two.shared
    one.settle(_held(one.reserve(None, D(1))), D("1.5"))
    assert two.status()["global/day"].spent == D("1.5")
    assert isinstance(two.reserve(None, D(1)), Refusal)


def _held(result: Reservation | Refusal) -> Reservation:
    assert isinstance(result, Reservation), result
    return result


def test_status_report_lists_every_configured_window(make_book: MakeBook) -> None:
    config = _config(limits=Limits(daily_usd=D(10)), keys={"a": Limits(monthly_usd=D(3))})
    book = make_book(config, clock=Clock())
    book.settle(_held(book.reserve("a", D(1))), D("0.25"))
    report = status_report(book)
    assert list(report) == ["global/day", "key:a/month"]
    assert report["key:a/month"] == {"period": "2026-12", "limit": "3", "spent": "0.25",
                                     "reserved": "0", "left": "2.75"}  # fmt: skip
