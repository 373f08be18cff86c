"""open_database: the ledger URL, parsed and migrated by the ledger's own factory."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.ledger import open_store
from fulcrum.ledger.migrations import MIGRATIONS
from fulcrum.routing.budget import BudgetConfig, Limits, open_budget_book, open_database
from fulcrum.settings import Paths


def test_default_is_the_sqlite_ledger_in_the_data_dir() -> None:
    db = open_database(None)
    try:
        assert db.dialect == "sqlite"
        assert db.description == f"sqlite:///{Paths.build().ledger_sqlite}"
        tables = db.run(lambda c: c.execute("SELECT name FROM sqlite_master").fetchall())
        assert {"budget_windows", "budget_holds", "route_sessions"} <= {t for (t,) in tables}
    finally:
        db.close()


def test_a_sqlite_url_shares_the_ledger_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    book = open_budget_book(BudgetConfig(limits=Limits(daily_usd=Decimal(1))), url)
    try:
        book.settle(book.reserve(None, Decimal("0.5")), Decimal("0.5"))  # type: ignore[arg-type]
    finally:
        book.close()
    store = open_store(url)
    try:
        assert store.schema_version() == len(MIGRATIONS)
    finally:
        store.close()
    again = open_budget_book(BudgetConfig(limits=Limits(daily_usd=Decimal(1))), url)
    try:
        assert again.status()["global/day"].spent == Decimal("0.5")
    finally:
        again.close()


def test_an_unknown_scheme_is_the_ledgers_config_error() -> None:
    with pytest.raises(ConfigError, match=r"ledger\.url"):
        open_database("mysql://db/ledger")
