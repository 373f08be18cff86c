"""A pool of real llama.cpp servers (the tiny generated model) behind the gateway.

Affinity is checked where it matters: a session's later turns find their prompt in the
server's cache (``cached_tokens``, the ledger's ``cache_read_tokens``), which only the
replica that served the earlier turns has.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from fulcrum.fakes import FakeAnthropic
from fulcrum.ledger import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.testing.gateway import RunningGateway, running_gateway
from fulcrum.testing.llama import MODEL_ALIAS, LlamaServer

from .helpers import post_json

pytestmark = pytest.mark.llama

POOL = """
[server]
shutdown_timeout_s = 10

[backends.llama]
format = "openai"
kind = "local"
models = ["{model}"]
base_urls = {urls}
[backends.llama.retry]
backoff_s = 0.01
[backends.llama.timeouts]
first_byte = 10
total = 30
[backends.llama.pool]
probe_s = 0.3
eject_after = 2
eject_s = 5
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


def servers(n: int, parallel: int = 2) -> Iterator[list[LlamaServer]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                LlamaServer(parallel=parallel, ctx_size=2048 * parallel, extra_args=("--metrics",))
            )
            for _ in range(n)
        ]


@pytest.fixture
def three() -> Iterator[list[LlamaServer]]:
    yield from servers(3)


@pytest.fixture
def one() -> Iterator[list[LlamaServer]]:
    yield from servers(1, parallel=1)


def config(llamas: list[LlamaServer], frontier: FakeAnthropic, pool: str = "") -> str:
    urls = json.dumps([s.base_url for s in llamas])
    return POOL.format(model=MODEL_ALIAS, urls=urls, pool=pool, frontier=frontier.url)


def turn(gw: RunningGateway, session: str, history: list[dict[str, str]], **extra: Any) -> bytes:
    body = {"model": MODEL_ALIAS, "max_tokens": 8, "messages": history, **extra}
    status, _, raw = post_json(gw, "/v1/chat/completions", body, {"x-fulcrum-session": session})
    assert status == 200, raw
    return raw


def converse(gw: RunningGateway, session: str, turns: int, **extra: Any) -> None:
    history: list[dict[str, str]] = []
    for n in range(turns):
        history.append({"role": "user", "content": f"{session} says: turn {n}, go on " * 3})
        raw = turn(gw, session, history, **extra)
        text = "..." if extra.get("stream") else json.loads(raw)["choices"][0]["message"]["content"]
        history.append({"role": "assistant", "content": text or "..."})


def prompt_tokens(server: LlamaServer) -> float:
    with urllib.request.urlopen(server.base_url + "/metrics", timeout=5) as resp:
        text = resp.read().decode()
    lines = [ln for ln in text.splitlines() if ln.startswith("llamacpp:prompt_tokens_total")]
    return float(lines[0].split()[-1]) if lines else 0.0


def by_session(rows: list[LedgerRow]) -> dict[str, list[LedgerRow]]:
    out: dict[str, list[LedgerRow]] = {}
    for row in sorted(rows, key=lambda r: r.ts):
        out.setdefault(row.session or "", []).append(row)
    return out


def test_sessions_keep_their_replica_and_new_sessions_spread(
    three: list[LlamaServer], fake_anthropic: FakeAnthropic
) -> None:
    with running_gateway(config(three, fake_anthropic)) as gw:
        for s in range(6):
            converse(gw, f"s{s}", 1)  # six new sessions, one after the other
        for s in range(6):
            converse(gw, f"s{s}", 3)  # the same six, three turns each (the first again)
        gw.stop()
    sessions = by_session(open_store(None).rows())
    assert len(sessions) == 6 and not fake_anthropic.requests
    for rows in sessions.values():
        assert all(r.status == 200 and r.backend == "llama" for r in rows)
        # every turn after the first finds the conversation so far in its replica's prompt
        # cache (another replica would share only the chat template's first few tokens)
        for before, after in pairwise(rows):
            seen = before.input_tokens + before.cache_read_tokens
            assert after.cache_read_tokens >= seen / 2, (seen, after.cache_read_tokens)
    assert all(prompt_tokens(s) > 0 for s in three)  # every replica took sessions


def test_killing_a_replica_loses_no_request_before_its_stream_and_moves_its_sessions(
    three: list[LlamaServer], fake_anthropic: FakeAnthropic
) -> None:
    done = threading.Semaphore(0)
    killed_at: list[datetime] = []
    victim = three[1]

    def session(name: str) -> None:
        history: list[dict[str, str]] = []
        for n in range(8):
            history.append({"role": "user", "content": f"session {name}, turn {n}"})
            turn(gw, name, history, stream=True, max_tokens=64, ignore_eos=True)
            history.append({"role": "assistant", "content": "..."})
            done.release()

    with running_gateway(config(three, fake_anthropic)) as gw:
        with ThreadPoolExecutor(6) as pool:
            runs = [pool.submit(session, f"k{i}") for i in range(6)]
            for _ in range(12):  # two turns of each session on average: then kill
                done.acquire(timeout=60)
            killed_at.append(datetime.now(UTC))
            victim.stop()
            for run in runs:
                run.result()
        gw.stop()
    rows = open_store(None).rows()
    assert len(rows) == 48 and not fake_anthropic.requests
    broken = [r for r in rows if r.status != 200]
    for row in broken:  # only a stream the victim was already sending may break
        assert row.ts <= killed_at[0] and row.ttft_ms is not None and "stream" in (row.error or "")
    assert len(broken) <= 2  # the victim's two slots
    port = f":{victim.port}"
    late = [
        a
        for r in rows
        for a in r.attempts
        if a.failed and port in (a.reason or "") and r.ts > killed_at[0]
    ]
    assert len(late) <= 4  # its sessions' next tries, then it gets nothing
    for rows_of in by_session(rows).values():
        assert rows_of[-1].status == 200  # every session went on to its end
        after = [r for r in rows_of if r.ts > killed_at[0]]
        assert all(r.status == 200 and r.backend == "llama" for r in after)


def _burst(gw: RunningGateway, n: int) -> tuple[list[str], float]:
    body = {
        "model": MODEL_ALIAS,
        "max_tokens": 1000,
        "ignore_eos": True,
        "messages": [{"role": "user", "content": "count"}],
    }
    start = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(lambda _: post_json(gw, "/v1/chat/completions", body), range(n)))
    assert all(status == 200 for status, _, _ in answers)
    return sorted(h["x-fulcrum-backend"] for _, h, _ in answers), time.perf_counter() - start


def test_a_replica_over_its_cap_queues_then_spills(
    one: list[LlamaServer], fake_anthropic: FakeAnthropic
) -> None:
    queue = "max_concurrent = 1\nqueue_wait_s = 10"
    with running_gateway(config(one, fake_anthropic, queue)) as gw:
        backends, elapsed_queued = _burst(gw, 2)
    assert backends == ["llama", "llama"] and not fake_anthropic.requests
    spill = "max_concurrent = 1\nqueue_wait_s = 0.1"
    with running_gateway(config(one, fake_anthropic, spill)) as gw:
        backends, _ = _burst(gw, 3)
        gw.stop()
    assert backends == ["claude", "claude", "llama"]
    rows = [r for r in open_store(None).rows() if r.backend == "claude"]
    assert len(rows) == 2
    assert all("pool full" in (r.attempts[0].reason or "") for r in rows)
    assert elapsed_queued > 0  # (the queued pair ran one after the other: see the slot test)
