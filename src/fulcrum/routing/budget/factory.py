"""Open the budget book that fits the ledger URL: memory, or leases on SQLite or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable

from fulcrum.routing.budget.book import BudgetBook, Clock, MemoryBudgetBook
from fulcrum.routing.budget.config import BudgetConfig
from fulcrum.routing.budget.database import SharedDatabase, open_database
from fulcrum.routing.budget.lease import LeasedBudgetBook
from fulcrum.routing.budget.postgres import PostgresBudgetBook
from fulcrum.routing.budget.sqlite import SQLiteBudgetBook

# SharedDatabase.dialect -> the book kept in that database
BOOKS: dict[str, Callable[..., BudgetBook]] = {
    "sqlite": SQLiteBudgetBook,
    "postgres": PostgresBudgetBook,
}


def budget_book(
    config: BudgetConfig,
    db: SharedDatabase | None = None,
    *,
    clock: Clock = time.time,
    leased: bool = True,
) -> BudgetBook:
    """The book in ``db`` (shared by every process on it), or in memory without one.

    In a database, calls reserve from this process's leases on the book there (no database
    on the request path); ``leased=False``: every reserve and settle is a transaction."""
    if db is None:
        return MemoryBudgetBook(config, clock=clock)
    book = BOOKS[db.dialect](db, config, clock=clock)
    return LeasedBudgetBook(book, clock=clock) if leased else book


def open_budget_book(
    config: BudgetConfig, url: str | None, *, clock: Clock = time.time, leased: bool = True
) -> BudgetBook:
    """The book in the ledger database at ``url`` (``None``: SQLite in the data directory)."""
    return budget_book(config, open_database(url), clock=clock, leased=leased)
