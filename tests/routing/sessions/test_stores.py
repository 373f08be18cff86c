"""The session store contract, the same in memory, SQLite and PostgreSQL; sharing across
processes for the database stores."""

from __future__ import annotations

import statistics
import time

from fulcrum.routing.sessions import SessionPin

from .conftest import MakeStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


LLAMA = SessionPin("llama", "qwen3-coder", "local", None, "learned", None, {"score": 0.21})
CLAUDE = SessionPin("anthropic", "claude-sonnet-4-6", "frontier", "big", "rule:big", 5.0)


def test_put_get_per_lane(make_store: MakeStore) -> None:
    clock = Clock()
    store = make_store(clock=clock)
    store.put("s1", "main", LLAMA)
    store.put("s1", "background", CLAUDE)
    got = store.get("s1", "main")
    assert got is not None and (got.backend, got.model, got.side) == (
        "llama",
        "qwen3-coder",
        "local",
    )
    assert (got.decided_by, got.decided_at, dict(got.decision)) == ("learned", clock.now,
                                                                    {"score": 0.21})  # fmt: skip
    assert store.get("s1", "background") == CLAUDE
    assert store.get("s1", "agent:1") is None and store.get("s2", "main") is None


def test_repin_replaces(make_store: MakeStore) -> None:
    store = make_store(clock=Clock())
    store.put("s1", "main", LLAMA)
    store.put("s1", "main", CLAUDE)
    assert store.get("s1", "main") == CLAUDE


def test_ttl_slides_with_use_and_expires_without(make_store: MakeStore) -> None:
    clock = Clock()
    store = make_store(ttl_s=100.0, clock=clock)
    store.put("s1", "main", CLAUDE)
    for _ in range(5):  # used every 70 s: alive after 350 s
        clock.now += 70
        assert store.get("s1", "main") == CLAUDE
    clock.now += 101
    assert store.get("s1", "main") is None


def test_forget_drops_every_lane(make_store: MakeStore) -> None:
    store = make_store(clock=Clock())
    store.put("s1", "main", LLAMA)
    store.put("s1", "background", LLAMA)
    store.put("s2", "main", LLAMA)
    store.forget("s1")
    assert store.get("s1", "main") is None and store.get("s1", "background") is None
    assert store.get("s2", "main") is not None


def test_ttl_zero_turns_stickiness_off(make_store: MakeStore) -> None:
    store = make_store(ttl_s=0.0, clock=Clock())
    store.put("s1", "main", LLAMA)
    assert store.get("s1", "main") is None


def test_a_pin_from_one_process_is_seen_by_another(make_shared_store: MakeStore) -> None:
    a, b = make_shared_store(), make_shared_store()
    assert a.shared and b.shared
    a.put("s1", "main", LLAMA)
    assert b.get("s1", "main") == a.get("s1", "main")  # the same pin, stamped once
    a.put("s1", "main", CLAUDE)  # failover moved the session
    assert b.get("s1", "main") == CLAUDE
    b.forget("s1")
    assert a.get("s1", "main") is None


def test_a_read_cache_sees_its_own_puts_at_once(make_shared_store: MakeStore) -> None:
    clock = Clock()
    a, b = make_shared_store(clock=clock, cache_s=1.0), make_shared_store(clock=clock)
    a.put("s1", "main", LLAMA)
    assert a.get("s1", "main") is not None
    b.put("s1", "main", CLAUDE)
    assert a.get("s1", "main") != CLAUDE  # cached for up to cache_s
    clock.now += 1.5
    assert a.get("s1", "main") == CLAUDE


def test_sweep_deletes_expired_pins(make_shared_store: MakeStore) -> None:
    clock = Clock()
    store = make_shared_store(ttl_s=100.0, clock=clock)
    store.put("old", "main", LLAMA)
    clock.now += 50
    store.put("new", "main", LLAMA)
    clock.now += 60
    assert store.sweep() == 1  # type: ignore[attr-defined]
    assert store.get("new", "main") is not None


def test_get_and_put_latency(make_shared_store: MakeStore) -> None:
    store = make_shared_store()
    puts, gets = [], []
    for i in range(300):
        t = time.perf_counter()
        store.put(f"s{i}", "main", LLAMA)
        puts.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert store.get(f"s{i}", "main") is not None
        gets.append(time.perf_counter() - t)
    p50_get, p50_put = statistics.median(gets) * 1e3, statistics.median(puts) * 1e3
    print(f"session store get p50 {p50_get:.3f} ms, put p50 {p50_put:.3f} ms")
    assert p50_get < 20 and p50_put < 20  # measured: PostgreSQL ~0.2 / ~0.3 ms, SQLite less
