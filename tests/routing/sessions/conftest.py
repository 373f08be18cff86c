"""Session stores of every kind on real databases: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fulcrum.routing.budget import open_database
from fulcrum.routing.sessions import SessionStore, session_store

MakeStore = Callable[..., SessionStore]
PG = pytest.param("postgres", marks=pytest.mark.postgres)


def _stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    kind = request.param
    url: str | None = None
    if kind == "sqlite":
        url = str(tmp_path / "ledger.db")
    elif kind == "postgres":
        url = request.getfixturevalue("pg_cluster").create_database()
    opened: list[SessionStore] = []

    def make(**kw: object) -> SessionStore:
        store = session_store(open_database(url) if kind != "memory" else None, **kw)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=["memory", "sqlite", PG])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """``make_store(ttl_s=..., clock=...)``: stores of one kind, all on one database."""
    yield from _stores(request, tmp_path)


@pytest.fixture(params=["sqlite", PG])
def make_shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """Stores in a database, all on one database (as two gateway processes would be)."""
    yield from _stores(request, tmp_path)
