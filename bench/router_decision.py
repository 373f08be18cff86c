"""Time one learned-router decision: ``LearnedRouter.score`` on Claude Code–sized turns.

For each size (default 2,000, 4,000 and 8,000 characters) it builds turns like a coding agent's
current turn — an instruction, pasted code, a tool's error output — different for every call
(so nothing is cached), then times ``score(text, agent)`` one call at a time and prints the
median and the 99th percentile in milliseconds. The issue's target: median under 0.2 ms.

    .venv/bin/python bench/router_decision.py [--calls 3000] [--sizes 2000 4000 8000]
                                              [--model MODEL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

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


def time_scores(router: LearnedRouter, size: int, calls: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + size)
    turns = [make_turn(size, rng) for _ in range(calls)]
    agent = AgentFeatures(kind="main", tools=17, tokens=size // 4, turn=6, tool_errors=1)
    for text in turns[:50]:  # warm-up
        router.score(text, agent)
    times = []
    for text in turns:
        start = time.perf_counter()
        router.score(text, agent)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "chars": size,
        "calls": calls,
        "p50_ms": round(statistics.median(times), 4),
        "p99_ms": round(times[int(0.99 * (len(times) - 1))], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000])
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    router = LearnedRouter.load(args.model) if args.model else load_default()
    results = [time_scores(router, s, args.calls, args.seed) for s in args.sizes]
    print(f"model {router.version}")
    print(f"{'chars':>6} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        print(f"{r['chars']:>6} {r['calls']:>6} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f}")
    print("(score(text, agent) one call at a time; target: p50 under 0.2 ms)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
