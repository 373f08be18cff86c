"""A pool of fake OpenAI-format servers behind the real gateway: affinity, failover between
replicas, the cap with its queue, spill and refusal."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import post_json

POOL = """
[server]
shutdown_timeout_s = 10

[backends.llama]
format = "openai"
kind = "local"
models = ["tiny"]
base_urls = {urls}
[backends.llama.retry]
backoff_s = 0.01
[backends.llama.timeouts]
first_byte = 3
total = 5
[backends.llama.pool]
probe_s = 0.2
{pool}

[backends.claude]
format = "anthropic"
base_url = "{frontier}"
provider = "anthropic"
models = ["claude-sonnet-4-6"]

[routes]
default = "llama"
background_models = []
fallbacks = ["claude"]
"""


@pytest.fixture
def replicas() -> Iterator[list[FakeOpenAI]]:
    with FakeOpenAI() as a, FakeOpenAI() as b, FakeOpenAI() as c:
        yield [a, b, c]


def config(fakes: list[FakeOpenAI], frontier: FakeAnthropic, pool: str = "") -> str:
    urls = json.dumps([f.url for f in fakes])
    return POOL.format(urls=urls, pool=pool, frontier=frontier.url)


def ask(gw: RunningGateway, session: str, text: str, **extra: Any) -> tuple[int, dict[str, str]]:
    body = {"model": "tiny", "messages": [{"role": "user", "content": text}], **extra}
    status, headers, _ = post_json(gw, "/v1/chat/completions", body, {"x-fulcrum-session": session})
    return status, headers


def served(fake: FakeOpenAI) -> list[str]:
    """The user texts each chat request carried (probes and other paths left out)."""
    return [
        r.body["messages"][-1]["content"]
        for r in fake.requests
        if r.path == "/v1/chat/completions" and isinstance(r.body, dict)
    ]


# six sessions' order in each of three turns: no session keeps its place modulo the three
# replicas, so a replica that round-robin alone picked would not be the session's again
ORDERS = ([0, 1, 2, 3, 4, 5], [5, 0, 1, 2, 3, 4], [4, 5, 0, 1, 2, 3])


def test_sessions_keep_their_replica_and_new_sessions_spread(
    replicas: list[FakeOpenAI], fake_anthropic: FakeAnthropic
) -> None:
    with running_gateway(config(replicas, fake_anthropic)) as gw:
        for turn in range(3):
            for s in ORDERS[turn]:  # in another order each turn: round-robin would not follow
                status, headers = ask(gw, f"s{s}", f"s{s} t{turn}", stream=turn == 1)
                assert status == 200 and headers["x-fulcrum-backend"] == "llama"
    where = {text.split()[0]: i for i, fake in enumerate(replicas) for text in served(fake)}
    for i, fake in enumerate(replicas):
        texts = served(fake)
        assert all(where[t.split()[0]] == i for t in texts)  # every turn on one replica
        assert len(texts) == 6  # two sessions of three turns each
    assert not fake_anthropic.requests


def test_a_dead_replica_fails_over_in_the_pool_and_its_sessions_move(
    fake_anthropic: FakeAnthropic,
) -> None:
    with FakeOpenAI() as alive:
        doomed = FakeOpenAI().__enter__()
        with running_gateway(config([doomed, alive], fake_anthropic)) as gw:
            assert ask(gw, "s", "first")[0] == 200
            assert served(doomed) == ["first"]  # round-robin starts at the first replica
            doomed.__exit__(None, None, None)
            for turn in range(3):
                status, headers = ask(gw, "s", f"turn {turn}")
                assert status == 200 and headers["x-fulcrum-backend"] == "llama"
            time.sleep(0.5)  # the probes mark it down
            health = _metric_lines(gw, "fulcrum_replica_health")
            gw.stop()
    assert served(alive) == ["turn 0", "turn 1", "turn 2"]
    rows = sorted(open_store(None).rows(), key=lambda r: r.ts)
    assert all(r.status == 200 and r.backend == "llama" for r in rows)
    moved = rows[1].attempts
    assert len(moved) == 2 and moved[0].failed and str(doomed.port) in (moved[0].reason or "")
    assert "failover" not in (rows[1].route_reason or "")  # the pool answered: no chain failover
    assert all(len(r.attempts) == 1 for r in rows[2:])  # the session now lives on the other
    # The ledger names the replica each try went to (the pool's own record of the move).
    assert moved[0].replica is not None and str(doomed.port) in moved[0].replica
    assert {r.attempts[-1].replica for r in rows[1:]} == {f"127.0.0.1:{alive.port}"}
    assert health is not None and any(f'{doomed.port}",state="down"}} 1.0' in h for h in health)


def _metric_lines(gw: RunningGateway, name: str) -> list[str] | None:
    """The metric's lines, or None while the pool collector is not on the app's registry."""
    with urllib.request.urlopen(gw.url + "/metrics") as resp:
        text = resp.read().decode()
    lines = [line for line in text.splitlines() if line.startswith(name)]
    return lines or None


def _burst(gw: RunningGateway, n: int, path: str = "/v1/chat/completions") -> list[Any]:
    body: dict[str, Any] = {
        "model": "tiny",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}],
    }
    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(post_json, gw, path, body) for _ in range(n)]
        return [f.result() for f in futures]


def test_past_the_cap_requests_wait_then_spill_to_the_frontier(
    fake_anthropic: FakeAnthropic,
) -> None:
    with FakeOpenAI() as slow:
        slow.default = Reply("slow local answer", first_byte_delay=1.0)
        pool = "max_concurrent = 1\nqueue_wait_s = 0.3\nqueue_max = 4"
        with running_gateway(config([slow], fake_anthropic, pool)) as gw:
            answers = _burst(gw, 3)
            gw.stop()
    backends = sorted(headers["x-fulcrum-backend"] for status, headers, _ in answers)
    assert [a[0] for a in answers] == [200, 200, 200]
    assert backends == ["claude", "claude", "llama"]
    assert len(served(slow)) == 1 and len(fake_anthropic.requests) == 2
    spilled = [r for r in open_store(None).rows() if r.backend == "claude"]
    for row in spilled:
        assert (row.route_reason or "").endswith("→failover")
        full = row.attempts[0]
        assert full.backend == "llama" and "pool full" in (full.reason or "")
        assert full.duration_ms >= 250  # it waited for a slot first
        assert full.queue_ms is not None and full.queue_ms >= 250  # recorded in the ledger


def test_a_queued_request_gets_the_freed_slot(
    fake_anthropic: FakeAnthropic,
) -> None:
    with FakeOpenAI() as slow:
        slow.default = Reply("local", first_byte_delay=0.4)
        pool = "max_concurrent = 1\nqueue_wait_s = 3"
        with running_gateway(config([slow], fake_anthropic, pool)) as gw:
            start = time.perf_counter()
            answers = _burst(gw, 2)
            elapsed = time.perf_counter() - start
    assert all(h["x-fulcrum-backend"] == "llama" for _, h, _ in answers)
    assert not fake_anthropic.requests
    assert elapsed >= 0.8  # one after the other: the cap held


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/v1/messages", "overloaded_error"), ("/v1/chat/completions", "server_error")],
)
def test_refuse_answers_overloaded(fake_anthropic: FakeAnthropic, path: str, kind: str) -> None:
    with FakeOpenAI() as slow:
        slow.default = Reply("slow", first_byte_delay=0.8)
        pool = 'max_concurrent = 1\nqueue_wait_s = 0.1\non_full = "refuse"'
        with running_gateway(config([slow], fake_anthropic, pool)) as gw:
            answers = _burst(gw, 2, path)
    statuses = sorted(a[0] for a in answers)
    assert statuses == [200, 529]
    refused = next(json.loads(raw) for status, _, raw in answers if status == 529)
    error = refused["error"]
    assert error["type"] == kind and "every replica is busy" in error["message"]
    assert not fake_anthropic.requests  # refused, not spilled


def test_conversations_that_name_no_session_keep_their_replica(
    replicas: list[FakeOpenAI], fake_anthropic: FakeAnthropic
) -> None:
    """A client that names no session: each conversation (its opening, sent again at every
    turn) stays on one replica, where its prompt is cached; its rows record no session."""
    with running_gateway(config(replicas, fake_anthropic)) as gw:
        for turn in range(3):
            for c in ORDERS[turn]:
                messages = [{"role": "user", "content": f"c{c} opening"}]
                for t in range(1, turn + 1):
                    messages += [{"role": "assistant", "content": "ok"},
                                 {"role": "user", "content": f"c{c} t{t}"}]  # fmt: skip
                body = {"model": "tiny", "messages": messages, "stream": turn == 1}
                status, headers, _ = post_json(gw, "/v1/chat/completions", body)
                assert status == 200 and headers["x-fulcrum-backend"] == "llama"
    rows = open_store(None).rows()  # the gateway stopped: every row written
    where = {text.split()[0]: i for i, fake in enumerate(replicas) for text in served(fake)}
    for i, fake in enumerate(replicas):
        texts = served(fake)
        assert all(where[t.split()[0]] == i for t in texts)  # every turn on one replica
        assert len(texts) == 6  # two conversations of three turns each
    assert len(rows) == 18 and {row.session for row in rows} == {None}
