"""Open the budget book that fits the ledger URL: memory, or leases on SQLite or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.budget import owed
from fulcrum.routing.budget.book import BudgetBook, Clock, MemoryBudgetBook
from fulcrum.routing.budget.config import BudgetConfig
from fulcrum.routing.budget.database import SharedDatabase, open_database
from fulcrum.routing.budget.lease import LeasedBudgetBook
from fulcrum.routing.budget.postgres import PostgresBudgetBook
from fulcrum.routing.budget.sqlite import SQLiteBudgetBook
from fulcrum.settings import Paths

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
    on the request path; settles the database refused at close are kept in the data
    directory); ``leased=False``: every reserve and settle is a transaction."""
    if db is None:
        return MemoryBudgetBook(config, clock=clock)
    book = BOOKS[db.dialect](db, config, clock=clock)
    if not leased:
        return book
    return LeasedBudgetBook(book, clock=clock, spill=Paths.build().data / owed.DEFAULT_NAME)


def open_budget_book(
    config: BudgetConfig, url: str | None, *, clock: Clock = time.time, leased: bool = True
) -> BudgetBook:
    """The book in the ledger database at ``url`` (``None``: SQLite in the data directory)."""
    return budget_book(config, open_database(url), clock=clock, leased=leased)


def replay_spilled_settles(url: str | None) -> tuple[int, Path]:
    """Settle into the database at ``url`` the budget settles gateways kept in the data
    directory at shutdown (:mod:`~fulcrum.routing.budget.owed`); return how many, and where
    from. One the database refuses stays in the file."""
    path = Paths.build().data / owed.DEFAULT_NAME
    spilled = owed.take(path)
    if not spilled:
        return 0, path
    db = open_database(url)
    book = BOOKS[db.dialect](db, BudgetConfig())
    left: list[owed.Owed] = []
    try:
        for held, amount in spilled:
            try:
                book.settle(held, amount)
            except LedgerUnavailable:
                left.append((held, amount))
    finally:
        if left:
            owed.save(path, left)
        book.close()
    return len(spilled) - len(left), path
