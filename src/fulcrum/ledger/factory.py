"""Open the ledger from a URL: SQLite by default, PostgreSQL by ``postgresql://`` URL.

``open_store(None)`` opens SQLite at ``Paths.build().ledger_sqlite`` in the data directory;
``open_store("postgresql://...")`` opens PostgreSQL (psycopg 3), which several gateway
processes can share. Either applies the schema migrations on open.

A ledger URL is one of: ``postgresql://`` or ``postgres://``, ``sqlite:///PATH``, or a file
path. A path holding ``=`` or a control character, or shaped like ``user@host`` (an ``@``
before any ``/``), is refused (:func:`check_url`): it is a connection string in another form
(libpq's ``host=... password=...``, a URL without its scheme), never a file to create.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from fulcrum.errors import ConfigError
from fulcrum.ledger.pgconn import DB_TIMEOUT_S
from fulcrum.ledger.postgres_store import PostgresStore
from fulcrum.ledger.sqlite_store import SQLiteStore
from fulcrum.ledger.store import LedgerStore
from fulcrum.settings import Paths

POSTGRES_SCHEMES = ("postgresql", "postgres")

# What reading an open ledger may raise, whichever database holds it: no table yet, a lock,
# the connection lost.
DATABASE_ERRORS: tuple[type[Exception], ...]
try:
    from psycopg import Error as _PostgresError

    DATABASE_ERRORS = (sqlite3.Error, _PostgresError)
except ImportError:  # pragma: no cover - only without the postgres extra
    DATABASE_ERRORS = (sqlite3.Error,)


def sqlite_path_from_url(url: str) -> Path:
    """``sqlite:///rel.db`` (relative), ``sqlite:////abs.db`` (absolute), or a plain path."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return Path(url)


_NOT_A_PATH = re.compile(r"=|[\x00-\x1f\x7f]|^[^/@]+@")


def check_url(url: str) -> str:
    """``url`` if it is a ledger URL or a path; else one ConfigError naming ``ledger.url``
    (a refused connection string is not echoed: it may hold a password)."""
    scheme = _scheme(url)
    if scheme in (*POSTGRES_SCHEMES, "sqlite"):
        return url
    if scheme:
        why = f"unsupported database URL scheme {scheme!r}"
    elif _NOT_A_PATH.search(url):
        why = "the value is a connection string (it has '=', 'user@host' or a control "
        why += "character), not a file path"
    else:
        return url
    raise ConfigError(
        f"{why}; use postgresql://USER@HOST:PORT/DB, sqlite:///PATH or a file path",
        field="ledger.url",
    )


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower() if "://" in url else ""


def shared_url(url: str | None) -> bool:
    """Whether ``url`` names a database server several processes share (PostgreSQL)."""
    return bool(url) and _scheme(url or "") in POSTGRES_SCHEMES


def open_store(
    url: str | None = None, *, create: bool = True, timeout_s: float = DB_TIMEOUT_S
) -> LedgerStore:
    """Open (and migrate) the ledger at ``url``; ``None`` is SQLite in the data directory.

    ``create=False`` (the readers: reports, replays) refuses to create a new SQLite file, so
    a typo in a path is an error rather than an empty new ledger, and on PostgreSQL migrates
    nothing: it checks the schema version, so a read-only role reads an up-to-date ledger
    and an older or empty one is one line, exit 2. ``timeout_s`` bounds every wait on a
    PostgreSQL database (:mod:`fulcrum.ledger.pgconn`).
    """
    if url is None or url == "":
        return SQLiteStore.open(Paths.build().ledger_sqlite, create=create)
    if _scheme(check_url(url)) in POSTGRES_SCHEMES:
        return PostgresStore.open(url, timeout_s=timeout_s, migrate=create)
    return SQLiteStore.open(sqlite_path_from_url(url), create=create)
