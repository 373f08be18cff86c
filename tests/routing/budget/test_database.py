"""open_database: the ledger URL, parsed and migrated by the ledger's own factory."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.ledger import open_store
from fulcrum.ledger.migrations import MIGRATIONS
from fulcrum.routing.budget import (
    BudgetConfig,
    Limits,
    Reservation,
    open_budget_book,
    open_database,
    owed,
)
from fulcrum.routing.budget.factory import replay_spilled_settles
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


def test_spilled_settles_are_settled_by_the_replay() -> None:
    spill = Paths.build().data / owed.DEFAULT_NAME
    window = (("global/day", "2026-12-01"),)
    owed.save(spill, [(Reservation("r1", None, Decimal("0.1"), window, 0.0), Decimal("0.04"))])
    assert replay_spilled_settles(None) == (1, spill)
    assert not spill.exists()
    db = open_database(None)
    try:
        sql = "SELECT spent FROM budget_windows WHERE name = 'global/day'"
        assert db.run(lambda c: c.execute(sql).fetchall()) == [("0.04",)]
    finally:
        db.close()
    assert replay_spilled_settles(None) == (0, spill)  # nothing twice
