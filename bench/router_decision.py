"""Time one learned-router decision: ``LearnedRouter.score`` on Claude Code–sized turns.

For each size (default 2,000, 4,000 and 8,000 characters) it builds turns like a coding agent's
current turn — an instruction, pasted code, a tool's error output — different for every call
(so nothing is cached), then times ``score(text, agent)`` one call at a time and prints the
median and the 99th percentile in milliseconds. The issue's target: median under 0.2 ms.

``--cold`` sweeps the CPU's caches before every timed call (``sidebyside.evict_caches``): the
gateway scores a request after other processes ran, so its decisions run cold, and each costs
several times what it costs in a tight loop. ``--base SRC`` (another checkout's ``src``) loads
that version's router into the same process and alternates the two call by call, on the same
turns, then prints both and the ratio of their medians: a change measured against the code
before it under the same conditions, which separate runs on a shared machine are not.

    .venv/bin/python bench/router_decision.py [--calls 3000] [--sizes 2000 4000 8000]
                                              [--model MODEL] [--json FILE]
    git worktree add /tmp/base HEAD~1
    .venv/bin/python bench/router_decision.py --base /tmp/base/src --sizes 24 300 2000 --cold
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any, NamedTuple

from sidebyside import evict_caches, import_base

from fulcrum.routing.learned import AgentFeatures, LearnedRouter, load_default

ASKS = (
    "The test below fails after my change to the parser. Find the cause and fix it.",
    "Refactor this module so the retry logic lives in one place; keep the public API.",
    "Why does this raise a KeyError on the second request? Explain, then patch it.",
    "Add type hints and a docstring to every function here, nothing else.",
)
CODE = (
    "def parse(line: str) -> dict[str, int]:\n    key, _, value = line.partition('=')\n"
    "    return {key.strip(): int(value)}\n\n"
    "class Cache:\n    def __init__(self, size: int = 128) -> None:\n"
    "        self.items: dict[str, bytes] = {}\n        self.size = size\n\n"
    "    def get(self, key: str) -> bytes | None:\n        return self.items.get(key)\n\n"
)
ERROR = (
    'Traceback (most recent call last):\n  File "app/server.py", line 88, in handle\n'
    "    body = parse(request.text)\nValueError: invalid literal for int() with base 10: 'x'\n"
    "FAILED tests/test_parse.py::test_roundtrip - ValueError (1 failed, 41 passed in 2.31s)\n"
)


def make_turn(size: int, rng: random.Random) -> str:
    parts = [rng.choice(ASKS), "\n```python\n"]
    while sum(map(len, parts)) < size:
        chunk = rng.choice((CODE, ERROR, CODE))
        parts.append(chunk.replace("parse", f"parse_{rng.randrange(10_000)}"))
    return "".join(parts)[:size]


def time_scores(
    routers: dict[str, Any], size: int, calls: int, seed: int, *, cold: bool = False
) -> dict[str, Any]:
    """Each router's ``score`` on the same turns, alternating which goes first."""
    rng = random.Random(seed + size)
    turns = [make_turn(size, rng) for _ in range(calls)]
    agents = {name: r.agent(kind="main", tools=17, tokens=size // 4, turn=6, tool_errors=1)
              for name, r in routers.items()}  # fmt: skip
    for text in turns[:50]:  # warm-up
        for name, r in routers.items():
            r.router.score(text, agents[name])
    times: dict[str, list[float]] = {name: [] for name in routers}
    order = list(routers)
    for text in turns:
        order.reverse()
        for name in order:
            if cold:
                evict_caches()
            start = time.perf_counter()
            routers[name].router.score(text, agents[name])
            times[name].append((time.perf_counter() - start) * 1000)
    return {"chars": size, "calls": calls, **{name: summary(t) for name, t in times.items()}}


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 4),
        "p99_ms": round(times[int(0.99 * (len(times) - 1))], 4),
    }


class Version(NamedTuple):
    """A router and the ``AgentFeatures`` class of the code it comes from."""

    router: Any
    agent: Any


def versions(model: Path | None, base: Path | None) -> dict[str, Version]:
    this = LearnedRouter.load(model) if model else load_default()
    out = {"this": Version(this, AgentFeatures)}
    if base is not None:
        learned = import_base(base, "fulcrum.routing.learned")
        other = learned.LearnedRouter.load(model) if model else learned.load_default()
        out["base"] = Version(other, learned.AgentFeatures)
    return out


def report(results: list[dict[str, Any]], names: list[str]) -> None:
    header = "".join(f" {name + ' p50':>10} {name + ' p99':>10}" for name in names)
    ratio = len(names) == 2  # this, base
    print(f"{'chars':>6} {'calls':>6}{header}" + (f" {'this/base':>10}" if ratio else ""))
    for r in results:
        cells = "".join(f" {r[n]['p50_ms']:>10.3f} {r[n]['p99_ms']:>10.3f}" for n in names)
        tail = f" {r['this']['p50_ms'] / r['base']['p50_ms']:>9.2f}x" if ratio else ""
        print(f"{r['chars']:>6} {r['calls']:>6}{cells}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000])
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cold", action="store_true", help="sweep the caches before each call")
    parser.add_argument("--base", type=Path, help="another checkout's src, timed alongside")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    routers = versions(args.model, args.base)
    results = [time_scores(routers, s, args.calls, args.seed, cold=args.cold) for s in args.sizes]
    print(f"model {routers['this'].router.version}" + (", cold caches" if args.cold else ""))
    report(results, list(routers))
    print("(score(text, agent) one call at a time; target: p50 under 0.2 ms)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
