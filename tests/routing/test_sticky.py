from __future__ import annotations

import threading

import pytest

from fulcrum.routing.sticky import StickyStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_is_sliding_and_expires() -> None:
    clock = Clock()
    store: StickyStore[str] = StickyStore(ttl_s=10, max_entries=5, clock=clock)
    store.put("s", "a")
    clock.now += 9
    assert store.get("s") == "a"  # refreshes
    clock.now += 9
    assert store.get("s") == "a"
    clock.now += 10.5
    assert store.get("s") is None
    assert len(store) == 0


def test_lru_eviction_keeps_recently_used() -> None:
    store: StickyStore[int] = StickyStore(ttl_s=60, max_entries=2, clock=Clock())
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # a is now most recent
    store.put("c", 3)
    assert store.get("b") is None
    assert (store.get("a"), store.get("c")) == (1, 3)


def test_disabled_with_zero_ttl_and_validation() -> None:
    store: StickyStore[int] = StickyStore(ttl_s=0, max_entries=2)
    store.put("a", 1)
    assert store.get("a") is None
    assert not store.enabled
    with pytest.raises(ValueError, match="max_entries"):
        StickyStore(ttl_s=1, max_entries=0)


def test_discard() -> None:
    store: StickyStore[int] = StickyStore(ttl_s=60, max_entries=2)
    store.put("a", 1)
    store.discard("a")
    store.discard("missing")
    assert store.get("a") is None


def test_thread_safe_under_contention() -> None:
    store: StickyStore[int] = StickyStore(ttl_s=60, max_entries=100)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                store.put((offset, i % 150), i)
                store.get((offset, (i * 7) % 150))
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store) == 100


def test_peek_reads_without_refreshing_the_ttl() -> None:
    clock = Clock()
    store: StickyStore[str] = StickyStore(ttl_s=10, max_entries=4, clock=clock)
    store.put("s", "llama")
    clock.now += 8
    assert store.peek("s") == "llama"
    clock.now += 3  # a get 8 s in would have kept it 10 s more; a peek did not
    assert store.peek("s") is None and store.get("s") is None
