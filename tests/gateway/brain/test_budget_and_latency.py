"""Budget exhaustion degrades to local; a slow local backend spills new sessions."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import LedgerRow
from fulcrum.testing.gateway import RunningGateway, running_gateway
from fulcrum.testing.llama import LlamaServer
from fulcrum.testing.postgres import PostgresCluster

from ..helpers import post_json
from .helpers import Explain, ask, brain_config, ledger_rows, metric, ui_data, user

BUDGET_USD = Decimal("0.05")
BUDGET = f"""
[policy]
otherwise = "frontier"
[policy.budget]
daily_usd = {BUDGET_USD}
"""


def _frontier_spend(rows: list[LedgerRow]) -> tuple[Decimal, Decimal]:
    costs = [r.cost_usd or Decimal(0) for r in rows if r.backend_kind == "api"]
    return sum(costs, Decimal(0)), max(costs, default=Decimal(0))


def _check_budget(rows: list[LedgerRow], processes: int) -> None:
    spent, largest = _frontier_spend(rows)
    degraded = [r for r in rows if r.route_reason == "otherwise+budget→local"]
    assert degraded and all(r.backend == "local" for r in degraded)
    assert all(r.status == 200 for r in rows)
    assert spent <= BUDGET_USD + processes * largest
    assert spent >= BUDGET_USD / 2  # the budget was used, not refused from the start


def test_budget_exhaustion_degrades_to_local_mid_day(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.script.push(Reply("ok", output_tokens=150), times=400)
    config = brain_config(fake_anthropic.url, fake_openai.url, BUDGET)
    with running_gateway(config) as gw:
        codes = [ask(gw, f"s{i}", user(f"task {i}"), max_tokens=200)[0] for i in range(40)]
    assert codes == [200] * 40
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    _check_budget(rows, processes=1)
    first_local = next(i for i, r in enumerate(rows) if r.backend == "local")
    assert first_local >= 5  # the frontier served until the budget ran short, mid-day
    # Settling a reservation gives back what the estimate over-held, so a call may still fit
    # just after the first refusal; once the money is spent, everything stays local.
    assert all(r.backend == "local" for r in rows[-10:])
    assert "budget:global/day" in (rows[-1].decision or "")


@pytest.mark.postgres
def test_two_gateways_share_one_budget_on_postgresql(
    pg_cluster: PostgresCluster, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    url = pg_cluster.create_database()
    fake_anthropic.script.push(Reply("ok", output_tokens=150), times=400)
    config = brain_config(fake_anthropic.url, fake_openai.url, BUDGET, ledger_url=url)
    with (
        running_gateway(config, subprocess=True) as one,
        running_gateway(config, subprocess=True) as two,
        ThreadPoolExecutor(4) as pool,
    ):
        gateways = (one, two)
        codes = list(pool.map(
            lambda i: ask(gateways[i % 2], f"p{i}", user(f"task {i}"), max_tokens=200)[0],
            range(60),
        ))  # fmt: skip
        assert codes == [200] * 60
        assert one.stop() == 0 and two.stop() == 0
    _check_budget(ledger_rows(url), processes=2)


LATENCY = """
[policy]
otherwise = "local"
[policy.latency]
ttft_ms_max = 300
window_s = 1.5
min_hold_s = 0.3
recover_ratio = 0.7
"""


def test_a_slow_local_backend_spills_new_sessions_until_it_recovers(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, LATENCY)
    with running_gateway(config) as gw:
        fake_openai.script.push(Reply("slow", first_byte_delay=0.6), times=3)
        for n in range(3):  # one pinned local session, slow: the guard sees its TTFT
            assert ask(gw, "pinned", user(f"step {n}"), stream=True)[0] == 200
        assert _backend(ask(gw, "new-1", user("hello"), stream=True)) == "frontier"
        # what an operator sees meanwhile: /metrics and the dashboard say so, and why
        assert metric(gw, "fulcrum_local_spilling", backend="local") == 1.0
        assert metric(gw, "fulcrum_local_ttft_ms", backend="local") >= 300
        [local] = [b for b in ui_data(gw)["backends"] if b["name"] == "local"]
        assert local["latency"]["spilling"] and local["latency"]["reason"] == "ttft"
        assert local["latency"]["ttft_ms"] >= 300 and local["latency"]["limit_ms"] == 300
        deadline = time.monotonic() + 20  # the pinned session goes on, fast now, until the
        recovered = 0  # slow samples leave the window and new sessions come back
        while recovered == 0 and time.monotonic() < deadline:
            assert _backend(ask(gw, "pinned", user("again"), stream=True)) == "local"
            time.sleep(0.1)
            recovered = _backend(ask(gw, f"probe-{time.monotonic()}", user("hi"))) == "local"
        assert recovered
        assert _backend(ask(gw, "new-2", user("hello"), stream=True)) == "local"
        assert metric(gw, "fulcrum_local_spilling", backend="local") == 0.0
    rows = {r.session: r for r in sorted(ledger_rows(), key=lambda r: r.ts)}
    assert (rows["new-1"].backend, rows["new-1"].route_reason) == (
        "frontier",
        "otherwise+slo-spill",
    )
    assert (rows["new-2"].backend, rows["new-2"].route_reason) == ("local", "otherwise")
    assert rows["pinned"].backend == "local"


COMMAND = {"type": "object", "properties": {"command": {"type": "string"}}}
TOOLS = [{"name": "Bash", "description": "Run a command", "input_schema": COMMAND}]


def _tool_turn(gw: RunningGateway, session: str, text: str) -> tuple[int, dict[str, str], bytes]:
    """A coding agent's streamed turn: tools declared (a local route checks its tool use)."""
    body = {"model": "claude-sonnet-4-6", "max_tokens": 64, "stream": True,
            "messages": user(text), "tools": TOOLS}  # fmt: skip
    return post_json(gw, "/v1/messages", body, {"x-fulcrum-session": session})


def test_a_slow_local_backend_spills_new_sessions_of_tool_loops_too(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """An agent's turns carry tools, so on a local route they go through the tool-use check:
    its streamed local calls are timed for the latency SLO as any other."""
    config = brain_config(fake_anthropic.url, fake_openai.url, LATENCY)
    with running_gateway(config) as gw:
        fake_openai.script.push(Reply("slow", first_byte_delay=0.6), times=3)
        for n in range(3):
            assert _backend(_tool_turn(gw, "pinned", f"step {n}")) == "local"
        assert _backend(_tool_turn(gw, "new-1", "hello")) == "frontier"
    rows = {r.session: r for r in ledger_rows()}
    assert rows["new-1"].route_reason == "otherwise+slo-spill"


WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "omicron"]  # fmt: skip


@pytest.mark.llama
def test_whole_answers_of_a_llama_cpp_reading_slowly_spill_new_sessions(
    tmp_path: Path, fake_anthropic: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not streamed, a local answer is timed as the time to it less the generation llama.cpp
    reports (``timings.predicted_ms``): its long prompts, read slowly, make new sessions spill.
    Its row keeps that time, so ``route explain`` rebuilds the same spill from the ledger."""
    policy = '[policy]\notherwise = "local"\n[policy.latency]\nttft_ms_max = 20\n'
    rng = random.Random(5)
    with LlamaServer(ctx_size=4096, parallel=1) as llama:
        config = brain_config(fake_anthropic.url, llama.base_url, policy)
        with running_gateway(config) as gw:
            for _ in range(3):  # about 2,300 prompt tokens each, none cached: ~100 ms to read
                text = " ".join(rng.choice(WORDS) for _ in range(300))
                assert _backend(ask(gw, "pinned", user(text), max_tokens=4)) == "local"
            time.sleep(0.1)  # the rows are built (and the samples taken) after their calls
            assert _backend(ask(gw, "new", user("hello"), max_tokens=4)) == "frontier"
        data = Explain(tmp_path, config, capsys)("later", user("hello"))
    rows = {r.session: r for r in ledger_rows()}
    assert rows["new"].route_reason == data["reason"] == "otherwise+slo-spill"
    pinned = [r for r in ledger_rows() if r.session == "pinned"]
    assert all(r.ttft_ms is not None and 20 < r.ttft_ms < r.duration_ms for r in pinned)
    assert data["latency"]["samples"] == 3 and data["latency"]["backends"]["local"]["spilling"]


def _backend(answer: tuple[int, dict[str, str], bytes]) -> str:
    status, headers, _ = answer
    assert status == 200
    return headers["x-fulcrum-backend"]


QUEUE = """
[policy]
otherwise = "local"
[policy.latency]
queue_max = 1
min_hold_s = 0
"""


def test_a_full_local_queue_spills_new_sessions_and_they_come_back_when_it_drains(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """The guard reads the gateway's own local calls in flight at each new decision."""
    config = brain_config(fake_anthropic.url, fake_openai.url, QUEUE)
    fake_openai.script.push(Reply("slow", first_byte_delay=1.5), times=2)
    with running_gateway(config) as gw, ThreadPoolExecutor(2) as pool:
        slow = [pool.submit(ask, gw, f"busy-{n}", user("long job")) for n in range(2)]
        deadline = time.monotonic() + 10
        while len(fake_openai.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # both slow calls are in flight on the local backend
        assert _backend(ask(gw, "while-full", user("hello"))) == "frontier"
        assert [_backend(f.result()) for f in slow] == ["local", "local"]
        assert _backend(ask(gw, "after", user("hello"))) == "local"
    rows = {r.session: r for r in ledger_rows()}
    assert rows["while-full"].route_reason == "otherwise+slo-spill"
    assert rows["after"].route_reason == "otherwise"


def test_a_frontier_call_is_held_at_the_model_it_is_served_by(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    # the client names a model the frontier backend does not serve (it answers with its own,
    # claude-sonnet-4-6): the hold is that model's price, not $0 for a name with no price, so
    # a budget smaller than one call's estimate keeps it local from the first call
    config = brain_config(fake_anthropic.url, fake_openai.url, BUDGET.replace(
        f"daily_usd = {BUDGET_USD}", "daily_usd = 0.000001"))  # fmt: skip
    body = {"model": "qwen-local", "max_tokens": 200, "messages": user("task")}
    with running_gateway(config) as gw:
        status, _, _ = post_json(gw, "/v1/messages", body, {"x-fulcrum-session": "q"})
    assert status == 200 and not fake_anthropic.requests
    (row,) = ledger_rows()
    assert (row.backend, row.route_reason) == ("local", "otherwise+budget→local")
