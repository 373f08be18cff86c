"""Open the session store that fits the ledger: in memory, or in its database."""

from __future__ import annotations

import time
from collections.abc import Callable

from fulcrum.routing.budget.database import SharedDatabase, open_database
from fulcrum.routing.sessions.database import DatabaseSessionStore
from fulcrum.routing.sessions.memory import DEFAULT_MAX_ENTRIES, MemorySessionStore
from fulcrum.routing.sessions.pin import DEFAULT_TTL_S, SessionStore


def session_store(
    db: SharedDatabase | None = None,
    *,
    ttl_s: float = DEFAULT_TTL_S,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    cache_s: float = 0.0,
    clock: Callable[[], float] = time.time,
) -> SessionStore:
    """Pins in ``db`` (shared by every process on it), or in memory without one."""
    if db is None:
        return MemorySessionStore(ttl_s=ttl_s, max_entries=max_entries, clock=clock)
    return DatabaseSessionStore(db, ttl_s=ttl_s, cache_s=cache_s, clock=clock)


def open_session_store(
    url: str | None,
    *,
    ttl_s: float = DEFAULT_TTL_S,
    cache_s: float = 0.0,
    clock: Callable[[], float] = time.time,
) -> SessionStore:
    """Pins in the ledger database at ``url`` (``None``: SQLite in the data directory)."""
    return session_store(open_database(url), ttl_s=ttl_s, cache_s=cache_s, clock=clock)
