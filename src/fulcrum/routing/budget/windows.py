"""Budget windows, reservations and refusals: the values every budget book deals in.

A window is a scope (``global`` or ``key:NAME``) and a span (``day``, ``month``) — its
``name``, e.g. ``key:alice/day`` — over one calendar ``period`` (``2026-12-01``, ``2026-12``)
in the budget's time zone, with a limit. A call reserves its estimate in every window that
applies; the reservation is granted only when, in each, ``spent + reserved + estimate <=
limit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from fulcrum.errors import FulcrumError, RateLimited, Unavailable
from fulcrum.routing.budget.config import BudgetConfig, Limits

GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class Window:
    name: str  # "global/day", "key:alice/month"
    period: str  # "2026-12-01" (day) or "2026-12" (month), in the budget's zone
    limit: Decimal


@dataclass(frozen=True, slots=True)
class WindowStatus:
    name: str
    period: str
    limit: Decimal
    spent: Decimal
    reserved: Decimal

    @property
    def left(self) -> Decimal:
        return max(Decimal(0), self.limit - self.spent - self.reserved)

    def fits(self, estimate: Decimal) -> bool:
        return self.spent + self.reserved + estimate <= self.limit

    def as_dict(self) -> dict[str, Any]:
        """Money as decimal strings (exact in JSON)."""
        return {
            "period": self.period,
            "limit": str(self.limit),
            "spent": str(self.spent),
            "reserved": str(self.reserved),
            "left": str(self.left),
        }


class BudgetExhausted(RateLimited):
    """A frontier call refused because a budget window is spent (``on_exhausted = "refuse"``);
    ``refusal`` says which window and what was left."""

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class Reservation:
    """A granted hold; settle it once with the call's real cost (0 when the call failed)."""

    ok: ClassVar[bool] = True
    id: str
    key: str | None
    estimate: Decimal
    windows: tuple[tuple[str, str], ...]  # (name, period) of every window held
    expires_at: float  # epoch seconds; an unsettled hold stops counting then


@dataclass(frozen=True, slots=True)
class Refusal:
    """Not granted: ``window`` is the first window the estimate does not fit."""

    ok: ClassVar[bool] = False
    key: str | None
    estimate: Decimal
    window: WindowStatus

    @property
    def reason(self) -> str:
        """For the ledger's route reason: ``budget:key:alice/day``."""
        return f"budget:{self.window.name}"

    @property
    def message(self) -> str:
        w = self.window
        return (
            f"frontier budget {w.name} ({w.period}) is exhausted: ${w.left} left of ${w.limit}, "
            f"this call needs about ${self.estimate}"
        )

    def __str__(self) -> str:
        return self.message

    def error(self) -> FulcrumError:
        return BudgetExhausted(f"{self.message}; try again later", self)


class BudgetUnavailable(Unavailable):
    """A frontier call refused because the shared budget cannot be checked (``on_exhausted =
    "refuse"``): a 503 the client may retry."""


@dataclass(frozen=True, slots=True)
class Unchecked(Refusal):
    """Not granted because the budget's database cannot be reached: frontier traffic never
    runs unmetered. ``window`` is the tightest window, as last known."""

    @property
    def reason(self) -> str:
        return "budget:unavailable"

    @property
    def message(self) -> str:
        return "the frontier budget cannot be checked (the gateway's database is unavailable)"

    def error(self) -> FulcrumError:
        return BudgetUnavailable(f"{self.message}; try again shortly")


def unchecked(key: str | None, estimate: Decimal, windows: tuple[Window, ...]) -> Unchecked:
    """The refusal of a reserve the database could not answer: its tightest window named."""
    w = min(windows, key=lambda w: w.limit)
    return Unchecked(key, estimate, WindowStatus(w.name, w.period, w.limit, Decimal(0), Decimal(0)))


def _scopes(config: BudgetConfig, key: str | None) -> Iterable[tuple[str, Limits]]:
    yield GLOBAL, config.limits
    if key is not None and key in config.keys:
        yield f"key:{key}", config.keys[key]


def windows_for(config: BudgetConfig, key: str | None, now: float) -> tuple[Window, ...]:
    """Every limited window that applies to a call by ``key`` at epoch time ``now``, sorted
    by (name, period) — the order every book locks them in."""
    local = datetime.fromtimestamp(now, config.zone)
    day, month = local.strftime("%Y-%m-%d"), local.strftime("%Y-%m")
    found: list[Window] = []
    for scope, limits in _scopes(config, key):
        if limits.daily_usd is not None:
            found.append(Window(f"{scope}/day", day, limits.daily_usd))
        if limits.monthly_usd is not None:
            found.append(Window(f"{scope}/month", month, limits.monthly_usd))
    return tuple(sorted(found, key=lambda w: (w.name, w.period)))


def first_short(statuses: Iterable[WindowStatus], estimate: Decimal) -> WindowStatus | None:
    """The first window ``estimate`` does not fit, or None when it fits them all."""
    return next((s for s in statuses if not s.fits(estimate)), None)
