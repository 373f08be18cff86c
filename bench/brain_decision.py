"""Time one routing-brain decision on Claude Code–sized requests: the policy plus the learned
router, as the gateway runs it.

Each request is a Claude Code–shaped body — a 16 KB system prompt with its environment block,
20 tools, a conversation of tool loops with pasted code and test output, about 140 KB of JSON —
different for every call. One decision is what the gateway does before it opens the upstream:
the route request (token estimate), the features (request kind, turn, tool errors, the secrets
scan of the new part), the lane, the brain's verdict (six rules, the session's pin, the learned
router against the share threshold, the budget reservation) and the failover chain. Timed one
call at a time; medians and 99th percentiles in milliseconds, for new sessions (the router
decides) and for turns of a pinned session. Each reservation is settled after its decision, as
the gateway settles it when the call ends (untimed): open reservations stay few, as in serving.

    .venv/bin/python bench/brain_decision.py [--calls 2000] [--ledger memory|sqlite] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from router_decision import make_turn  # the same coding-agent turns as the scorer's bench

from fulcrum.gateway.app import ledger_pricer
from fulcrum.gateway.brainroute import lane
from fulcrum.gateway.brainsetup import build_brain
from fulcrum.gateway.config import load_config
from fulcrum.routing.brain.decide import Ask, Brain
from fulcrum.routing.budget import open_database
from fulcrum.routing.features import extract_features
from fulcrum.routing.router import Router

CONFIG = """
[backends.anthropic]
format = "anthropic"
base_url = "http://127.0.0.1:9"
kind = "api"
provider = "anthropic"
[backends.llama]
format = "openai"
base_url = "http://127.0.0.1:9"
kind = "local"
models = ["qwen3-coder-30b"]
[routes]
default = "anthropic"

[policy]
target_local_share = 0.65
[[policy.rules]]
name = "secrets-stay-home"
when = { secrets = true }
never_leaves = true
[[policy.rules]]
name = "stuck-locally"
when = { tool_errors_min = 3 }
handoff = true
[[policy.rules]]
name = "architecture"
when = { kind = "main", text = ["(?i)architect|design doc|race condition"] }
route = "frontier"
[[policy.rules]]
name = "big-contexts"
when = { min_tokens = 150000 }
route = "frontier"
[[policy.rules]]
name = "nights-local"
when = { hours = "23:00-05:00" }
route = "local"
[[policy.rules]]
name = "titles"
when = { kind = ["title", "background"] }
route = "local"
[policy.budget]
daily_usd = 1000000
[policy.latency]
ttft_ms_max = 4000
"""
IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
ENV = "<env>\nWorking directory: /home/dev/src/shop-api\nIs directory a git repo: Yes\n</env>"


def body(rng: random.Random, turns: int) -> dict[str, Any]:
    system = [{"type": "text", "text": IDENTITY}, {"type": "text", "text": make_turn(16_000, rng)
              + "\n" + ENV}]  # fmt: skip
    tools = [{"name": f"Tool{n}", "description": make_turn(600, rng),
              "input_schema": {"type": "object", "properties": {"arg": {"type": "string"}}}}
             for n in range(20)]  # fmt: skip
    messages: list[dict[str, Any]] = [{"role": "user", "content": make_turn(2_000, rng)}]
    for n in range(turns):
        call = {"type": "tool_use", "id": f"toolu_{n}", "name": "Tool1", "input": {"arg": "x"}}
        result = {"type": "tool_result", "tool_use_id": f"toolu_{n}",
                  "content": make_turn(4_000, rng)}  # fmt: skip
        messages += [{"role": "assistant", "content": [call]},
                     {"role": "user", "content": [result]}]  # fmt: skip
    return {"model": "claude-sonnet-4-6", "max_tokens": 32_000, "system": system,
            "tools": tools, "messages": messages}  # fmt: skip


def decide_once(brain: Brain, router: Router, raw: bytes, session: str) -> float:
    start = time.perf_counter()
    parsed = json.loads(raw)  # the gateway has parsed the body already: not timed
    start = time.perf_counter()
    req = router.request("anthropic", ("max_tokens",), parsed, {"x-fulcrum-session": session}, raw)
    features = extract_features(req, parsed)
    ask = Ask(features=features, session=req.session, lane=lane(features, parsed),
              max_tokens=req.max_tokens)  # fmt: skip
    verdict, _ = brain.decide(ask)
    router.choose_target(req, verdict.target, verdict.reason, local_only=verdict.local_only)
    elapsed = (time.perf_counter() - start) * 1000
    if verdict.reservation is not None:  # the call is over: settle as the gateway does (untimed)
        brain.settle(verdict.reservation, verdict.reservation.estimate)
    return elapsed


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1]}


def run(calls: int, ledger: str) -> dict[str, Any]:
    os.environ.setdefault("FULCRUM_DATA_DIR", tempfile.mkdtemp(prefix="fulcrum-bench-"))
    config = load_config(text=CONFIG, env={})
    url = None if ledger == "sqlite" else ":memory:"
    db = open_database(url) if ledger == "sqlite" else None
    brain = build_brain(config, ledger_pricer(config, None), db) if db else _memory_brain(config)
    assert brain is not None and config.routes is not None
    router = Router(config.routes)
    rng = random.Random(7)
    bodies = [json.dumps(body(rng, turns=20)).encode() for _ in range(min(calls, 200))]
    for raw in bodies[:20]:
        decide_once(brain, router, raw, "warm-up")
    new = [decide_once(brain, router, bodies[i % len(bodies)], f"s{i}") for i in range(calls)]
    pinned = [decide_once(brain, router, bodies[i % len(bodies)], "s0") for i in range(calls)]
    if db is not None:
        db.close()
    size = statistics.median(len(b) for b in bodies)
    return {"calls": calls, "ledger": ledger, "body_bytes_median": size,
            "new_session": summary(new), "pinned_session": summary(pinned)}  # fmt: skip


def _memory_brain(config: Any) -> Brain | None:
    from fulcrum.gateway.brainsetup import policy_scorer  # noqa: PLC0415
    from fulcrum.routing.budget import budget_book  # noqa: PLC0415
    from fulcrum.routing.sessions import session_store  # noqa: PLC0415
    from fulcrum.routing.share import ShareController  # noqa: PLC0415

    policy = config.policy
    return Brain(policy, config.routes, scorer=policy_scorer(policy),
                 share=ShareController(target=policy.target_local_share),
                 sessions=session_store(None), budget=budget_book(policy.budget, None))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument(
        "--ledger",
        choices=("memory", "sqlite"),
        default="sqlite",
        help="where pins and the budget live (default: a SQLite ledger file)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args.calls, args.ledger)
    print(f"{args.calls} decisions, {result['body_bytes_median'] / 1000:.0f} KB bodies, "
          f"pins and budget in {args.ledger}")  # fmt: skip
    for name in ("new_session", "pinned_session"):
        figures = result[name]
        print(f"  {name.replace('_', ' '):15} p50 {figures['p50_ms']:.3f} ms   "
              f"p99 {figures['p99_ms']:.3f} ms")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
