"""Budget books of every kind on real databases: memory, SQLite, PostgreSQL, and leases on
either database (``leased-sqlite``, ``leased-postgres``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fulcrum.routing.budget import BudgetBook, BudgetConfig, budget_book, open_database
from fulcrum.testing.postgres import PostgresCluster

MakeBook = Callable[..., BudgetBook]


def _url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    kind = kind.removeprefix("leased-")
    if kind == "sqlite":
        return str(tmp_path / "ledger.db")
    if kind == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        return cluster.create_database()
    return None


PG = pytest.param("postgres", marks=pytest.mark.postgres)
LEASED_PG = pytest.param("leased-postgres", marks=pytest.mark.postgres)
SHARED = ["sqlite", "leased-sqlite", PG, LEASED_PG]


@pytest.fixture(params=["memory", *SHARED])
def make_book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeBook]:
    """``make_book(config, clock=...)``: books of one kind, all on one database."""
    yield from _books(request, tmp_path)


@pytest.fixture(params=SHARED)
def make_shared_book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeBook]:
    """Books in a database, all on one database."""
    yield from _books(request, tmp_path)


@pytest.fixture(params=["sqlite", PG])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh ledger database URL that several processes can open."""
    url = _url(request.param, request, tmp_path)
    assert url is not None
    return url


def _books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeBook]:
    url = _url(request.param, request, tmp_path)
    opened: list[BudgetBook] = []

    def make(config: BudgetConfig, **kw: object) -> BudgetBook:
        db = open_database(url) if request.param != "memory" else None
        leased = request.param.startswith("leased-")
        book = budget_book(config, db, leased=leased, **kw)  # type: ignore[arg-type]
        opened.append(book)
        return book

    yield make
    for book in opened:
        book.close()
