"""Session stickiness: an in-memory, thread-safe LRU with a sliding TTL.

A session stays on the backend and model it started on, because switching models mid-session
throws away the upstream prompt cache. Entries expire ``ttl_s`` seconds after their last use and
the least recently used entry is evicted beyond ``max_entries``. The store is per process: several
gateway processes keep their own (a session pinned to one process by the client's connection
reuse stays consistent; across processes the same rules pick the same target anyway).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class StickyStore(Generic[V]):
    """``key -> value`` with LRU eviction and a sliding time-to-live."""

    def __init__(
        self,
        *,
        ttl_s: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries <= 0:
            raise ValueError("max_entries must be positive")
        self._ttl = ttl_s
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: Hashable) -> V | None:
        """The live value for ``key`` (refreshing its TTL and recency), or None."""
        if not self.enabled:
            return None
        now = self._clock()
        with self._lock:
            item = self._entries.get(key)
            if item is None:
                return None
            stamp, value = item
            if now - stamp > self._ttl:
                del self._entries[key]
                return None
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            return value

    def peek(self, key: Hashable) -> V | None:
        """The live value for ``key``, leaving its TTL and recency as they are."""
        if not self.enabled:
            return None
        with self._lock:
            item = self._entries.get(key)
        if item is None or self._clock() - item[0] > self._ttl:
            return None
        return item[1]

    def put(self, key: Hashable, value: V) -> None:
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
