"""CPU per request of ``fulcrum serve``: the least noisy figure on a shared machine.

Wall-clock figures (latency, requests/s) move with whatever else the machine runs; the CPU
time the gateway process spends per request moves much less. This starts the fake OpenAI
upstream once, then, round after round, ``fulcrum serve`` (the same config as
``gateway_overhead.py``'s ``fulcrum`` or ``fulcrum-brain`` target), warms it up and sends a
fixed number of requests at a fixed concurrency, reading the process's user+system CPU time
(``/proc``, Linux) before and after; beside it, the load generator's (this process) and the
fake upstream's, which share the machine's cores with it, and the requests' latency (p50,
p99; with ``--clients 1``, the serial figures of ``gateway_overhead.py``). With ``--base
SRC`` (the ``src`` directory of another checkout) the two versions alternate in every round,
so a change is measured against the code before it under the same conditions.

    .venv/bin/python bench/gateway_cpu.py                      # this checkout, 3 rounds
    .venv/bin/python bench/gateway_cpu.py --stream --brain
    .venv/bin/python bench/gateway_cpu.py --clients 1 --rounds 8     # serial latency too
    git worktree add /tmp/base HEAD~3
    .venv/bin/python bench/gateway_cpu.py --base /tmp/base/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

from gateway_overhead import Case, start_fulcrum, start_upstream

from fulcrum.aio import run_loop
from fulcrum.testing.loadgen import run_load
from fulcrum.testing.process import ServerProcess, free_port

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Round(NamedTuple):
    rps: float
    us: float  # the gateway's CPU µs per request
    load_us: float  # the load generator's (this process)
    upstream_us: float  # the fake upstream's
    p50: float  # latency, ms
    p99: float


def one_round(
    upstream: ServerProcess, work: Path, args: argparse.Namespace, src: str | None
) -> Round:
    """Requests/s and CPU µs per request of one gateway run, and of the two processes beside
    it on the same cores (what the machine spends per request is the three together)."""
    case = Case("fulcrum", "openai", None, stream=args.stream)
    env = {"PYTHONPATH": src} if src else None
    url = upstream.base_url + "/v1"
    with start_fulcrum(url, free_port(), work, brain=args.brain, env=env) as gw:
        assert gw.pid is not None and upstream.pid is not None
        target = case.target(gw.base_url)
        run_loop(run_load(target, requests=args.warmup, concurrency=args.clients))
        pids = (gw.pid, upstream.pid)
        before = [cpu_seconds(pid) for pid in pids] + [time.process_time()]
        result = run_loop(run_load(target, requests=args.requests, concurrency=args.clients))
        after = [cpu_seconds(pid) for pid in pids] + [time.process_time()]
    if result.errors:
        print(f"  {result.errors} errors (first: {result.first_error})")
    gateway, up, load = ((a - b) / args.requests * 1e6 for a, b in zip(after, before, strict=True))
    return Round(result.rps, gateway, load, up, result.p50, result.p99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stream", action="store_true", help="streamed requests")
    parser.add_argument("--brain", action="store_true", help="the fulcrum-brain config")
    parser.add_argument("--base", help="another checkout's src directory, run alternately")
    args = parser.parse_args()
    versions = {"this": None, **({"base": args.base} if args.base else {})}
    rounds: dict[str, list[Round]] = {name: [] for name in versions}
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fulcrum-cpu-")))
        upstream = stack.enter_context(start_upstream(free_port(), work))
        for n in range(1, args.rounds + 1):
            for name, src in versions.items():
                own = work / name  # each version its own ledger (its own migrations)
                own.mkdir(exist_ok=True)
                r = one_round(upstream, own, args, src)
                rounds[name].append(r)
                print(
                    f"round {n} {name:<5} {r.rps:8,.0f} req/s  {r.us:6.0f} µs CPU/request"
                    f"  p50 {r.p50:.3f} p99 {r.p99:.3f} ms  (load generator {r.load_us:.0f},"
                    f" upstream {r.upstream_us:.0f} µs)",
                    flush=True,
                )
    for name, runs in rounds.items():
        rps, us, p50, p99 = (
            statistics.median(getattr(r, figure) for r in runs)
            for figure in ("rps", "us", "p50", "p99")
        )
        print(f"median {name:<5} {rps:8,.0f} req/s  {us:6.0f} µs CPU/request  p50 {p50:.3f} "
              f"p99 {p99:.3f} ms")  # fmt: skip
    if args.base:  # round by round, as the two ran side by side
        pairs = list(zip(rounds["this"], rounds["base"], strict=True))
        more = statistics.median(t.rps / b.rps for t, b in pairs)
        less = statistics.median(t.us / b.us for t, b in pairs)
        print(f"this ÷ base, median of the rounds: {more:.2f}× req/s, {less:.2f}× CPU/request")


if __name__ == "__main__":
    main()
