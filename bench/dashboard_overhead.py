"""The gateway with a dashboard client connected: added latency and requests/s, side by side.

One fake OpenAI upstream, one ``fulcrum serve`` in front of it (the ``/ui`` extension on, as
always), measured in alternating rounds: without a dashboard client, then with one polling
``/ui/data.json`` (what the ``/ui`` page does) every ``--poll-s`` seconds from its own process,
and so on ``--rounds`` times. Each round: serial requests (p50, p99, the p50 added over the
upstream measured directly) and ``--clients`` concurrent clients (requests/s). The medians per
condition are printed with the spread between rounds of the same condition, the noise the
difference is read against.

    .venv/bin/python bench/dashboard_overhead.py [--rounds 3] [--serial 300] [--concurrent 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from fulcrum.aio import run_loop
from fulcrum.testing.loadgen import LoadResult, Target, run_load
from fulcrum.testing.process import free_port

sys.path.insert(0, str(Path(__file__).parent))
from gateway_overhead import OPENAI_HEADERS, _body, start_fulcrum, start_upstream


async def poll(url: str, every_s: float) -> None:
    """The dashboard page's traffic: GET /ui once, then /ui/data.json every ``every_s``."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/ui") as resp:
            await resp.read()
        polls = 0
        while True:
            async with session.get(url + "/ui/data.json") as resp:
                resp.raise_for_status()
                await resp.json()
            polls += 1
            print(f"{polls} polls", flush=True)
            await asyncio.sleep(every_s)


def _first_polls(client: subprocess.Popen[str], polls: int = 3) -> None:
    """Wait until the client has started and polled: its start-up is not what is measured."""
    assert client.stdout is not None
    for _ in range(polls):
        if not client.stdout.readline():
            raise RuntimeError("the dashboard client stopped before polling")


def _round(target: Target, args: argparse.Namespace) -> tuple[LoadResult, LoadResult]:
    async def both() -> tuple[LoadResult, LoadResult]:
        serial = await run_load(target, requests=args.serial, concurrency=1, warmup=args.warmup)
        conc = await run_load(target, requests=args.concurrent, concurrency=args.clients,
                              warmup=args.warmup)  # fmt: skip
        return serial, conc

    return run_loop(both())


def _direct_p50(upstream: str, args: argparse.Namespace) -> float:
    target = Target("direct", upstream + "/chat/completions", _body(anthropic=False, stream=False),
                    OPENAI_HEADERS)  # fmt: skip
    return run_loop(run_load(target, requests=args.serial, warmup=args.warmup)).p50


def measure(args: argparse.Namespace) -> dict[str, list[tuple[float, float, float]]]:
    """Per condition, per round: (serial p50 ms, serial p99 ms, requests/s at --clients)."""
    out: dict[str, list[tuple[float, float, float]]] = {"no dashboard": [], "dashboard": []}
    with tempfile.TemporaryDirectory(prefix="fulcrum-bench-ui-") as tmp:
        work = Path(tmp)
        with start_upstream(free_port(), work) as fake, \
                start_fulcrum(fake.base_url + "/v1", free_port(), work) as gw:  # fmt: skip
            args.direct_p50 = _direct_p50(fake.base_url + "/v1", args)
            target = Target("fulcrum", gw.base_url + "/v1/chat/completions",
                            _body(anthropic=False, stream=False), OPENAI_HEADERS)  # fmt: skip
            for i in range(args.rounds):
                for condition in ("no dashboard", "dashboard"):
                    client = None
                    if condition == "dashboard":
                        client = subprocess.Popen(
                            [sys.executable, __file__, "--poll", gw.base_url,
                             "--poll-s", str(args.poll_s)], stdout=subprocess.PIPE, text=True,
                        )  # fmt: skip
                        _first_polls(client)
                    try:
                        serial, conc = _round(target, args)
                    finally:
                        if client is not None:
                            client.terminate()
                            polled = (client.communicate(timeout=10)[0] or "").strip()
                            polled = polled or "no more"
                    errors = serial.errors + conc.errors
                    out[condition].append((serial.p50, serial.p99, conc.rps))
                    note = f", dashboard {polled.splitlines()[-1]}" if client and polled else ""
                    print(f"round {i + 1} {condition}: p50 {serial.p50:.2f} ms, p99 "
                          f"{serial.p99:.2f} ms, {conc.rps:,.0f} req/s, {errors} errors{note}",
                          flush=True)  # fmt: skip
    return out


def report(results: dict[str, list[tuple[float, float, float]]], direct_p50: float) -> None:
    print(f"\ndirect upstream p50 {direct_p50:.2f} ms")
    print("| condition | p50 ms | added p50 ms | p99 ms | req/s | req/s spread (min..max) |")
    print("|---|---|---|---|---|---|")
    for name, rows in results.items():
        p50 = statistics.median(r[0] for r in rows)
        p99 = statistics.median(r[1] for r in rows)
        rps = [r[2] for r in rows]
        print(f"| {name} | {p50:.2f} | {p50 - direct_p50:.2f} | {p99:.2f} | "
              f"{statistics.median(rps):,.0f} | {min(rps):,.0f}..{max(rps):,.0f} |")  # fmt: skip
    base, ui = (statistics.median(r[2] for r in results[k]) for k in ("no dashboard", "dashboard"))
    print(f"requests/s with a dashboard client: {100 * (ui - base) / base:+.1f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serial", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--poll-s", type=float, default=0.5, help="dashboard poll interval")
    parser.add_argument("--poll", help=argparse.SUPPRESS)  # internal: be the dashboard client
    args = parser.parse_args(argv)
    if args.poll:
        with contextlib.suppress(KeyboardInterrupt):
            run_loop(poll(args.poll, args.poll_s))
        return 0
    results = measure(args)
    report(results, args.direct_p50)
    return 0


if __name__ == "__main__":
    sys.exit(main())
