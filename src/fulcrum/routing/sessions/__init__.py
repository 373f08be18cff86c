"""Session stickiness: pins per (session, lane), in memory or shared through the ledger database."""

from fulcrum.routing.sessions.database import DatabaseSessionStore
from fulcrum.routing.sessions.factory import open_session_store, session_store
from fulcrum.routing.sessions.memory import MemorySessionStore
from fulcrum.routing.sessions.pin import SessionPin, SessionStore

__all__ = [
    "DatabaseSessionStore",
    "MemorySessionStore",
    "SessionPin",
    "SessionStore",
    "open_session_store",
    "session_store",
]
