"""Frontier budgets per day and month, globally and per client key, reserved before a call and
settled after it; in memory, or in the ledger database shared by gateway processes (each
reserving from its own leases there)."""

from fulcrum.routing.budget.book import BudgetBook, MemoryBudgetBook, status_report
from fulcrum.routing.budget.config import BudgetConfig, Limits, parse_budget
from fulcrum.routing.budget.database import SharedDatabase, open_database
from fulcrum.routing.budget.factory import budget_book, open_budget_book
from fulcrum.routing.budget.lease import LeasedBudgetBook
from fulcrum.routing.budget.windows import (
    BudgetExhausted,
    Refusal,
    Reservation,
    WindowStatus,
)

__all__ = [
    "BudgetBook",
    "BudgetConfig",
    "BudgetExhausted",
    "LeasedBudgetBook",
    "Limits",
    "MemoryBudgetBook",
    "Refusal",
    "Reservation",
    "SharedDatabase",
    "WindowStatus",
    "budget_book",
    "open_budget_book",
    "open_database",
    "parse_budget",
    "status_report",
]
