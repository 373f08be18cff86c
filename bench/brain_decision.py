"""Time one routing-brain decision on Claude Code–sized requests: the policy plus the learned
router, as the gateway runs it.

Each request is a Claude Code–shaped body — a 16 KB system prompt with its environment block,
20 tools, a conversation of tool loops with pasted code and test output, about 140 KB of JSON —
different for every call. One decision is what the gateway does before it opens the upstream:
the route request (token estimate), the features (request kind, turn, tool errors, the secrets
scan of the new part), the lane, the brain's verdict (six rules, the session's pin, the learned
router against the share threshold, the budget reservation) and the failover chain. Timed one
call at a time; medians and 99th percentiles in milliseconds, for new sessions (the router
decides and the session is pinned), for turns of a pinned session, and for requests with no
session (the router decides each one and nothing is pinned: ``gateway_overhead.py``'s
``fulcrum-brain`` target). Each reservation is settled after its decision, as
the gateway settles it when the call ends (untimed): open reservations stay few, as in serving.

``--body one-line`` times the request ``gateway_overhead.py`` sends instead (one short user
line, no system prompt, no tools): what the brain adds there is mostly its fixed cost.

``--cold`` sweeps the CPU's caches before every timed decision, as the serving process meets
them (see ``router_decision.py``); ``--idle-us N`` instead lets the process sit idle N µs
before each one (waiting in ``select``, as the serving process waits on its sockets between
requests: what runs on the core meanwhile, or the core's sleep, leaves the caches colder);
``--base SRC`` times another checkout's ``src`` in the same process, alternating with this one
decision by decision, and prints the ratio of the medians.

    .venv/bin/python bench/brain_decision.py [--calls 2000] [--ledger memory|sqlite] [--json FILE]
    .venv/bin/python bench/brain_decision.py --base /tmp/base/src --cold
    .venv/bin/python bench/brain_decision.py --body one-line --base /tmp/base/src
    .venv/bin/python bench/brain_decision.py --body one-line --idle-us 500
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from router_decision import (
    make_turn,  # the same coding-agent turns as the scorer's bench
    summary,
)
from sidebyside import evict_caches, import_base

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
    """A Claude Code request: its system prompt and tools the same in every body (a client's
    are, from session to session), its conversation drawn from ``rng``."""
    fixed = random.Random(0)
    system = [{"type": "text", "text": IDENTITY}, {"type": "text", "text": make_turn(16_000, fixed)
              + "\n" + ENV}]  # fmt: skip
    tools = [{"name": f"Tool{n}", "description": make_turn(600, fixed),
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


def one_line(rng: random.Random, turns: int) -> dict[str, Any]:
    """The request ``gateway_overhead.py`` sends: one short user line, no system prompt or
    tools (``rng`` and ``turns`` unused: every body is the same)."""
    return {"model": "claude-sonnet-4-6", "max_tokens": 16,
            "messages": [{"role": "user", "content": "Say hello in five words."}]}  # fmt: skip


BODIES = {"claude-code": body, "one-line": one_line}
# the session of each call: a new one, the same one throughout, none
PHASES = {"new_session": "s{i}", "pinned_session": "s0", "no_session": ""}


class Stack(NamedTuple):
    """One version's brain and the functions a decision calls, as the gateway calls them."""

    brain: Any
    router: Any
    extract: Any  # extract_features
    ask: Any  # the Ask class
    lane: Any
    db: Any

    def body_arg(self, parsed: dict[str, Any]) -> dict[str, Any]:
        """The body, for a version whose brain scans a request with no pin whole (the gateway
        hands it over); none for an older one, which scanned only the new part."""
        fields = getattr(self.ask, "__dataclass_fields__", {})
        return {"body": parsed} if "body" in fields else {}


def build_stack(package: str, ledger: str) -> Stack:
    """The brain of ``CONFIG`` from ``package`` (``fulcrum``, or a base checkout's copy)."""

    def mod(name: str) -> Any:
        return importlib.import_module(f"{package}.{name}")

    config = mod("gateway.config").load_config(text=CONFIG, env={})
    if ledger == "sqlite":  # each version its own ledger file: no pin made by the other
        path = Path(os.environ["FULCRUM_DATA_DIR"]) / f"{package}.sqlite3"
        db = mod("routing.budget").open_database(f"sqlite:///{path}")
        pricer = mod("gateway.app").ledger_pricer(config, None)
        brain = mod("gateway.brainsetup").build_brain(config, pricer, db)
    else:
        db, brain = None, _memory_brain(mod, config)
    return Stack(brain, mod("routing.router").Router(config.routes),
                 mod("routing.features").extract_features, mod("routing.brain.decide").Ask,
                 mod("gateway.brainroute").lane, db)  # fmt: skip


def decide_once(
    s: Stack, raw: bytes, session: str | None, *, cold: bool = False, idle_s: float = 0.0
) -> float:
    parsed = json.loads(raw)  # the gateway has parsed the body already: not timed
    if cold:
        evict_caches()
    if idle_s:
        select.select([], [], [], idle_s)
    start = time.perf_counter()
    headers = {"x-fulcrum-session": session} if session else {}
    req = s.router.request("anthropic", ("max_tokens",), parsed, headers, raw)
    features = s.extract(req, parsed)
    ask = s.ask(features=features, session=req.session, lane=s.lane(features, parsed),
                max_tokens=req.max_tokens, **s.body_arg(parsed))  # fmt: skip
    verdict, _ = s.brain.decide(ask)
    s.router.choose_target(req, verdict.target, verdict.reason, local_only=verdict.local_only)
    elapsed = (time.perf_counter() - start) * 1000
    if verdict.reservation is not None:  # the call is over: settle as the gateway does (untimed)
        s.brain.settle(verdict.reservation, verdict.reservation.estimate)
    return elapsed


def run(
    calls: int, ledger: str, *, base: Path | None = None, cold: bool = False,
    shape: str = "claude-code", idle_us: int = 0, turns: int = 20,
) -> dict[str, Any]:  # fmt: skip
    os.environ.setdefault("FULCRUM_DATA_DIR", tempfile.mkdtemp(prefix="fulcrum-bench-"))
    stacks = {"this": build_stack("fulcrum", ledger)}
    if base is not None:
        stacks["base"] = build_stack(import_base(base, "fulcrum").__name__, ledger)
    rng = random.Random(7)
    make = BODIES[shape]
    bodies = [json.dumps(make(rng, turns=turns)).encode() for _ in range(min(calls, 200))]
    for s in stacks.values():
        for raw in bodies[:20]:
            decide_once(s, raw, "warm-up")
    times: dict[str, dict[str, list[float]]] = {n: {p: [] for p in PHASES} for n in stacks}
    order = list(stacks)
    for phase, session_of in PHASES.items():
        for i in range(calls):
            order.reverse()
            session = session_of.format(i=i) or None
            for n in order:
                elapsed = decide_once(stacks[n], bodies[i % len(bodies)], session, cold=cold,
                                      idle_s=idle_us / 1e6)  # fmt: skip
                times[n][phase].append(elapsed)
    for s in stacks.values():
        if s.db is not None:
            s.db.close()
    size = statistics.median(len(b) for b in bodies)
    return {
        "calls": calls,
        "ledger": ledger,
        "cold": cold,
        "idle_us": idle_us,
        "body": shape,
        "body_bytes_median": size,
        **{n: {p: summary(t[p]) for p in PHASES} for n, t in times.items()},
    }


def _memory_brain(mod: Any, config: Any) -> Any:
    policy = config.policy
    return mod("routing.brain.decide").Brain(
        policy, config.routes, scorer=mod("gateway.brainsetup").policy_scorer(policy),
        share=mod("routing.share").ShareController(target=policy.target_local_share),
        sessions=mod("routing.sessions").session_store(None),
        budget=mod("routing.budget").budget_book(policy.budget, None))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument(
        "--ledger",
        choices=("memory", "sqlite"),
        default="sqlite",
        help="where pins and the budget live (default: a SQLite ledger file)",
    )
    parser.add_argument("--cold", action="store_true", help="sweep the caches before each call")
    parser.add_argument(
        "--idle-us",
        type=int,
        default=0,
        metavar="N",
        help="sit idle N µs before each call (as the gateway waits on its sockets)",
    )
    parser.add_argument("--base", type=Path, help="another checkout's src, timed alongside")
    parser.add_argument(
        "--body",
        choices=tuple(BODIES),
        default="claude-code",
        help="claude-code: ~120 KB Claude Code turns (default); one-line: the request "
        "gateway_overhead.py sends",
    )
    parser.add_argument(
        "--turns",
        type=int,
        default=20,
        metavar="N",
        help="the tool-loop turns each claude-code body carries (default 20; 0: a session's "
        "first request)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.idle_us < 0 or args.turns < 0:
        parser.error("--idle-us and --turns: 0 or more")
    result = run(args.calls, args.ledger, base=args.base, cold=args.cold, shape=args.body,
                 idle_us=args.idle_us, turns=args.turns)  # fmt: skip
    print(f"{args.calls} decisions, {result['body_bytes_median']:,.0f}-byte bodies, "
          f"pins and budget in {args.ledger}" + (", cold caches" if args.cold else "")
          + (f", {args.idle_us} µs idle before each" if args.idle_us else ""))  # fmt: skip
    for phase in PHASES:
        line = "  ".join(f"{n} p50 {result[n][phase]['p50_ms']:.4f} ms p99 "
                         f"{result[n][phase]['p99_ms']:.4f} ms" for n in ("this", "base")
                         if n in result)  # fmt: skip
        if "base" in result:
            ratio = result["this"][phase]["p50_ms"] / result["base"][phase]["p50_ms"]
            line += f"  this/base {ratio:.2f}x"
        print(f"  {phase.replace('_', ' '):15} {line}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
