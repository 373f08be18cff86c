"""The pool's choices without a network: affinity, spread, least load, ejection, the queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.gateway.backendconfig import BackendConfig
from fulcrum.gateway.config import load_config
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.pool import Pool, PoolFull

URLS = '["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003/v1"]'


def config(pool: str = "", urls: str = URLS) -> BackendConfig:
    text = f"""
[backends.llama]
format = "openai"
kind = "local"
models = ["tiny"]
base_urls = {urls}
[backends.llama.pool]
probe_s = 0
{pool}
"""
    return load_config(text=text, env={}).backends["llama"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pool_of(pool: str = "", urls: str = URLS) -> tuple[Pool, Clock]:
    clock = Clock()
    return Pool(config(pool, urls), Backend.build, clock=clock), clock


def test_base_urls_make_a_pool_with_its_policy() -> None:
    cfg = config("max_concurrent = 4\nqueue_max = 8\non_full = 'refuse'\neject_after = 2")
    assert cfg.base_urls == (
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8002",
        "http://127.0.0.1:8003",
    )
    assert cfg.base_url == "http://127.0.0.1:8001"
    assert cfg.pool is not None and cfg.pool.max_concurrent == 4 and cfg.pool.queue_max == 8
    assert cfg.pool.on_full == "refuse" and cfg.pool.eject_after == 2
    backend = Backend.build(cfg)
    assert backend.pool is not None
    replicas = backend.pool.replicas
    assert [r.label for r in replicas] == ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]
    assert replicas[2].backend.config.base_url == "http://127.0.0.1:8003"
    assert replicas[0].eject_after == 2  # the ejection rule
    assert replicas[0].backend.pool is None and replicas[0].backend.name == "llama"


def test_one_url_without_a_pool_table_is_a_plain_backend() -> None:
    text = '[backends.x]\nformat = "openai"\nmodels = ["m"]\nbase_url = "http://127.0.0.1:1"\n'
    cfg = load_config(text=text, env={}).backends["x"]
    assert cfg.pool is None and cfg.base_urls == () and Backend.build(cfg).pool is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('base_url = "http://a:1"\nbase_urls = ["http://b:1"]', "either base_url or base_urls"),
        ('base_urls = ["http://a:1", "ftp://b"]', "base_urls: expected an http"),
        ('base_urls = ["http://a:1", "http://a:1/"]', "distinct URLs"),
        ("base_urls = []", "at least one"),
        ('base_urls = ["http://a:1"]\n[backends.x.pool]\non_full = "drop"', "one of spill, refuse"),
        (
            'base_urls = ["http://a:1"]\n[backends.x.pool]\nmax_concurent = 2',
            "did you mean `max_concurrent`",
        ),
        ('base_urls = ["http://a:1"]\n[backends.x.pool]\nprobe_path = "health"', "starting with /"),
    ],
)
def test_pool_config_errors_name_the_field(body: str, message: str, tmp_path: Path) -> None:
    text = f'[backends.x]\nformat = "openai"\nmodels = ["m"]\n{body}\n'
    with pytest.raises(ConfigError) as caught:
        load_config(text=text, env={})
    assert message in str(caught.value) and "backends.x" in str(caught.value)


async def test_new_sessions_spread_and_each_session_keeps_its_replica() -> None:
    pool, _ = pool_of()
    chosen = {}
    for session in ("a", "b", "c", "d"):
        lease = await pool.admit(session, frozenset(), deadline=2000.0)
        pool.pin(session, lease.replica)
        chosen[session] = lease.replica.index
        lease.release()
    assert [chosen[s] for s in "abcd"] == [0, 1, 2, 0]  # round-robin over idle replicas
    for _ in range(3):
        for session, index in chosen.items():
            lease = await pool.admit(session, frozenset(), deadline=2000.0)
            assert lease.replica.index == index
            lease.release()


async def test_a_new_session_goes_to_the_least_loaded_replica() -> None:
    pool, _ = pool_of()
    busy = [await pool.admit(None, frozenset(), 2000.0) for _ in range(3)]
    busy.append(await pool.admit(None, frozenset(), 2000.0))  # replica 0 now has 2
    pool.replicas[1].server_load = 5  # the server says it is busier than the gateway knows
    lease = await pool.admit("new", frozenset(), 2000.0)
    assert lease.replica.index == 2
    for held in busy:
        held.release()
    assert [r.outstanding for r in pool.replicas] == [0, 0, 1]


async def test_affinity_expires_after_its_ttl() -> None:
    pool, clock = pool_of("affinity_ttl_s = 60")
    pool.pin("s", pool.replicas[2])
    assert pool.pinned("s") is pool.replicas[2]
    clock.now += 61
    assert pool.pinned("s") is None


async def test_consecutive_failures_eject_a_replica_then_one_trial_goes_through() -> None:
    two = '["http://127.0.0.1:8001", "http://127.0.0.1:8002"]'
    pool, clock = pool_of("eject_after = 2\neject_s = 10", urls=two)
    dead = pool.replicas[0]
    pool.pin("s", dead)
    pool.failed(dead)
    assert dead.health(clock.now) == "up"  # one failure is not enough
    pool.failed(dead)
    assert dead.health(clock.now) == "ejected"
    lease = await pool.admit("s", frozenset(), 2000.0)
    assert lease.replica.index == 1 and lease.repin  # the session moves
    lease.release()
    clock.now += 10  # eject_s passed: one trial request
    trial = await pool.admit(None, frozenset({1}), 2000.0)
    assert trial.replica is dead
    with pytest.raises(LookupError):  # the trial is out: nothing else may go there
        await pool.admit(None, frozenset({1}), 2000.0)
    pool.failed(dead)  # the trial failed: ejected again at once
    clock.now += 5
    assert dead.health(clock.now) == "ejected"
    clock.now += 5
    assert (await pool.admit(None, frozenset({1}), 2000.0)).replica is dead
    dead.succeeded()
    assert dead.health(clock.now) == "up" and dead.ejected_until is None


async def test_a_down_replica_is_passed_over_unless_all_are_down() -> None:
    pool, _ = pool_of()
    pool.replicas[0].up = False
    picks = set()
    for _ in range(4):
        lease = await pool.admit(None, frozenset(), 2000.0)
        picks.add(lease.replica.index)
        lease.release()
    assert picks == {1, 2}
    for r in pool.replicas:
        r.up = False
    assert len(pool.usable()) == 3  # probes may be wrong: requests decide


async def test_at_the_cap_requests_queue_then_get_a_freed_slot_first_come_first_served() -> None:
    pool, _ = pool_of(
        "max_concurrent = 1\nqueue_max = 2",
        urls='["http://127.0.0.1:8001", "http://127.0.0.1:8002"]',
    )
    pool.clock = asyncio.get_running_loop().time
    deadline = pool.clock() + 5
    held = [await pool.admit(None, frozenset(), deadline) for _ in range(2)]
    first = asyncio.create_task(pool.admit(None, frozenset(), deadline))
    second = asyncio.create_task(pool.admit(None, frozenset(), deadline))
    await asyncio.sleep(0.01)
    assert pool.waiting == 2
    with pytest.raises(PoolFull, match="2 requests wait"):  # queue_max = 2
        await pool.admit(None, frozenset(), deadline)
    held[1].release()
    lease = await first
    assert lease.replica is held[1].replica and lease.queued_s > 0
    assert not second.done()
    held[0].release()
    assert (await second).replica is held[0].replica
    assert pool.stats.queued == 2 and pool.waiting == 0


async def test_a_session_at_its_full_replica_uses_a_free_one_without_moving() -> None:
    pool, _ = pool_of(
        "max_concurrent = 1", urls='["http://127.0.0.1:8001", "http://127.0.0.1:8002"]'
    )
    pool.pin("s", pool.replicas[0])
    hold = await pool.admit("s", frozenset(), 2000.0)
    assert hold.replica.index == 0
    other = await pool.admit("s", frozenset(), 2000.0)
    assert other.replica.index == 1 and not other.repin  # never wait while a slot is free
    assert pool.pinned("s") is pool.replicas[0]


async def test_the_wait_limit_raises_pool_full_and_leaves_no_waiter() -> None:
    pool, _ = pool_of("max_concurrent = 1\nqueue_wait_s = 0.05", urls='["http://127.0.0.1:8001"]')
    pool.clock = asyncio.get_running_loop().time
    held = await pool.admit(None, frozenset(), pool.clock() + 1)
    with pytest.raises(PoolFull, match=r"within 0.05 s"):
        await pool.admit(None, frozenset(), pool.clock() + 0.05)
    assert pool.waiting == 0
    held.release()
    assert pool.replicas[0].outstanding == 0
