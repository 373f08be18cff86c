"""The achieved local share over 1,000 synthetic sessions holds its target, also after the
traffic mix changes halfway (the learned router's shipped model scores every session)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from statistics import mean

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.ledger import LedgerRow
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import ask, brain_config, ledger_rows, metric, tool_loop

learned = pytest.importorskip("fulcrum.routing.learned")

TARGET = 0.65
SESSIONS = 1000
WARM_UP = 50  # sessions at the start of each half before the share is held
CHORES = [
    "Fix the typo in {f}",
    "Rename {v} to {w} in {f}",
    "Add a docstring to {v}",
    "Run the linter on {f}",
    "Sort the imports in {f}",
    "Bump the version in {f}",
]
HARD = [
    "Design the architecture of a sharded job queue for {f}: exactly-once delivery, "
    "back-pressure and failover. Compare two designs and prove the invariants.",
    "A train leaves at {n} km/h and another at {m} km/h from stations {k} km apart; "
    "when do they meet, and how far has each gone? Explain each step.",
    "Debug this intermittent deadlock between {v} and {w} in {f}: the lock order differs "
    "under load. Reason about every interleaving and propose a proof of the fix.",
]
NAMES = ["parser.py", "cache.rs", "server.go", "views.ts", "ledger.sql"]


SHOWN = {  # what /metrics is read for: the sample's name and labels
    "target": ("fulcrum_local_share_target", {}),
    "requests": ("fulcrum_local_share", {"unit": "requests"}),
    "tokens": ("fulcrum_local_share", {"unit": "tokens"}),
    "threshold": ("fulcrum_route_threshold", {}),
}


def prompt(rng: random.Random, hard_share: float) -> str:
    pool = HARD if rng.random() < hard_share else CHORES
    words = {"f": rng.choice(NAMES), "v": f"item_{rng.randrange(99)}",
             "w": f"value_{rng.randrange(99)}", "n": rng.randrange(40, 120),
             "m": rng.randrange(40, 120), "k": rng.randrange(100, 900)}  # fmt: skip
    return rng.choice(pool).format(**words)


def session(gw: RunningGateway, index: int) -> None:
    rng = random.Random(index)
    hard_share = 0.2 if index < SESSIONS // 2 else 0.8  # the mix changes halfway
    first = prompt(rng, hard_share)
    turns = min(int(rng.expovariate(1 / 2.5)), 12)  # 1 + geometric-like tool loops
    for n in range(turns + 1):
        assert ask(gw, f"s{index:04d}", tool_loop(n, first))[0] == 200


def local_share(rows: list[LedgerRow]) -> float:
    return sum(r.backend_kind == "local" for r in rows) / len(rows)


def test_the_local_share_holds_its_target_over_1000_sessions_and_a_mix_change(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    scorer = learned.load_default()
    easy = mean(scorer.score(prompt(random.Random(i), 0.0)) for i in range(200))
    hard = mean(scorer.score(prompt(random.Random(i), 1.0)) for i in range(200))
    assert hard > easy + 0.02  # the change of mix is a change of scores
    policy = f'[policy]\ntarget_local_share = {TARGET}\notherwise = "learned"\n'
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    with running_gateway(config) as gw, ThreadPoolExecutor(8) as pool:
        for half in (range(SESSIONS // 2), range(SESSIONS // 2, SESSIONS)):
            list(pool.map(lambda i: session(gw, i), half))  # the halves do not overlap
        shown = {key: metric(gw, name, **labels) for key, (name, labels) in SHOWN.items()}
    rows = ledger_rows()
    index = {r.session: int((r.session or "s0")[1:]) for r in rows}
    for start in (0, SESSIONS // 2):
        held = [r for r in rows if start + WARM_UP <= index[r.session] < start + SESSIONS // 2]
        assert abs(local_share(held) - TARGET) <= 0.05, (start, local_share(held))
    first = [r for r in rows if r.route_reason == "learned"]
    assert len(first) == SESSIONS and all(r.threshold is not None for r in first)
    # /metrics: the target, the share held (requests, and tokens beside it), and the
    # threshold in force: the one the last new sessions were held against
    assert shown["target"] == TARGET
    assert abs(shown["requests"] - TARGET) <= 0.05
    assert 0.0 < shown["tokens"] < 1.0
    last = [r.threshold for r in sorted(first, key=lambda r: r.ts)[-50:]]
    assert any(abs(shown["threshold"] - t) < 1e-9 for t in last if t is not None)
