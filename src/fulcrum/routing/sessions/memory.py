"""Session pins in this process's memory: :class:`fulcrum.routing.sticky.StickyStore` (LRU with a
sliding TTL) keyed by session, holding the pins of its lanes (copy on write). A use of any lane
keeps the whole session alive; ``max_entries`` counts sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from fulcrum.routing.sessions.pin import DEFAULT_TTL_S, SessionPin
from fulcrum.routing.sticky import StickyStore

DEFAULT_MAX_ENTRIES = 10_000


class MemorySessionStore:
    shared = False

    def __init__(
        self,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._sessions: StickyStore[Mapping[str, SessionPin]] = StickyStore(
            ttl_s=ttl_s, max_entries=max_entries, clock=clock
        )
        self._lock = threading.Lock()  # one writer at a time: a put reads, then replaces

    def get(self, session: str, lane: str) -> SessionPin | None:
        lanes = self._sessions.get(session)
        return None if lanes is None else lanes.get(lane)

    def peek(self, session: str, lane: str) -> SessionPin | None:
        lanes = self._sessions.peek(session)
        return None if lanes is None else lanes.get(lane)

    def put(self, session: str, lane: str, pin: SessionPin) -> None:
        with self._lock:
            lanes = self._sessions.get(session) or {}
            self._sessions.put(session, {**lanes, lane: pin.stamped(self._clock())})

    def forget(self, session: str) -> None:
        self._sessions.discard(session)

    def __len__(self) -> int:
        return len(self._sessions)

    def close(self) -> None:
        """Nothing to release."""
