"""The budget book protocol, and the in-memory book for a single gateway process.

A frontier call reserves its estimated cost before it is sent and settles its real cost
after. ``reserve`` checks every window that applies (global day and month, the key's day and
month) at once: granted only if, in each, ``spent + reserved + estimate <= limit``; else a
:class:`Refusal` naming the first window short and what is left there. Give an upper bound
as the estimate (the prompt at the input price plus ``max_tokens`` at the output price): then
the spend never passes a limit; a call that costs more than its estimate is still charged in
full, so a limit is passed by at most that excess, and later calls are refused.

An unsettled reservation stops counting ``hold_s`` after it was made, so the holds of a
process that crashed are released. Books are thread-safe and synchronous (the gateway calls
them from a worker thread when ``shared`` is true: a database round trip).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from fulcrum.routing.budget.config import BudgetConfig
from fulcrum.routing.budget.database import SharedDatabase
from fulcrum.routing.budget.windows import (
    Refusal,
    Reservation,
    Window,
    WindowStatus,
    first_short,
    windows_for,
)

Clock = Callable[[], float]  # epoch seconds


class BudgetBook(Protocol):
    config: BudgetConfig

    @property
    def shared(self) -> bool:
        """True when the book lives in a database (shared by processes; calls block on I/O)."""
        ...

    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        """Hold ``estimate`` in every window that applies to ``key``, all or none."""
        ...

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        """Replace the hold with the real cost (``Decimal(0)`` releases it: the call failed)."""
        ...

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        """The windows that apply to ``key`` now, by name (``global/day``, ``key:a/month``)."""
        ...

    def close(self) -> None: ...


def status_report(book: BudgetBook) -> dict[str, dict[str, Any]]:
    """Every window of the config (global, then each key's) as JSON-ready dicts, by name."""
    report = {name: s.as_dict() for name, s in book.status(None).items()}
    for key in book.config.keys:
        report.update((n, s.as_dict()) for n, s in book.status(key).items() if n not in report)
    return report


def new_reservation(
    key: str | None, estimate: Decimal, windows: tuple[Window, ...], expires_at: float
) -> Reservation:
    held = tuple((w.name, w.period) for w in windows)
    return Reservation(uuid.uuid4().hex, key, estimate, held, expires_at)


class DatabaseBook:
    """What the SQLite and PostgreSQL books share: their database, config and clock, and the
    hold a reservation asks for (the windows that apply now, the expiry)."""

    shared = True

    def __init__(self, db: SharedDatabase, config: BudgetConfig, *, clock: Clock = time.time):
        self.db = db
        self.config = config
        self._clock = clock

    def _hold(
        self, key: str | None, estimate: Decimal
    ) -> tuple[float, tuple[Window, ...], Reservation]:
        now = self._clock()
        windows = windows_for(self.config, key, now)
        return now, windows, new_reservation(key, estimate, windows, now + self.config.hold_s)


class MemoryBudgetBook:
    """A :class:`BudgetBook` in this process's memory (no ledger database to share)."""

    shared = False

    def __init__(self, config: BudgetConfig, *, clock: Clock = time.time) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, str], Decimal] = {}
        self._holds: dict[str, Reservation] = {}

    def reserve(self, key: str | None, estimate: Decimal) -> Reservation | Refusal:
        now = self._clock()
        windows = windows_for(self.config, key, now)
        with self._lock:
            self._expire(now)
            short = first_short(self._statuses(windows), estimate)
            if short is not None:
                return Refusal(key, estimate, short)
            held = new_reservation(key, estimate, windows, now + self.config.hold_s)
            if windows:
                self._holds[held.id] = held
            return held

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        with self._lock:
            self._holds.pop(reservation.id, None)
            for name, period in reservation.windows:
                self._spent[(name, period)] = self._spent.get((name, period), Decimal(0)) + actual

    def status(self, key: str | None = None) -> dict[str, WindowStatus]:
        now = self._clock()
        with self._lock:
            self._expire(now)
            return {s.name: s for s in self._statuses(windows_for(self.config, key, now))}

    def close(self) -> None:
        """Nothing to release."""

    def _statuses(self, windows: tuple[Window, ...]) -> list[WindowStatus]:
        reserved: dict[tuple[str, str], Decimal] = {}
        for held in self._holds.values():
            for window in held.windows:
                reserved[window] = reserved.get(window, Decimal(0)) + held.estimate
        return [
            WindowStatus(
                w.name,
                w.period,
                w.limit,
                self._spent.get((w.name, w.period), Decimal(0)),
                reserved.get((w.name, w.period), Decimal(0)),
            )
            for w in windows
        ]

    def _expire(self, now: float) -> None:
        for rid in [rid for rid, held in self._holds.items() if held.expires_at <= now]:
            del self._holds[rid]
