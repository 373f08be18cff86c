"""Where a serial request's time goes inside ``fulcrum serve``, with the routing brain off and on.

Round after round, the plain and the brain config of ``gateway_overhead.py`` each start anew in
front of one fake upstream, all at once, and take ``--requests`` serial requests each, in turns
of 100 with the upstream called directly (``run_alternating``: every gateway meets the same
minutes of a machine whose load drifts); inside each gateway ``bench/spans/sitecustomize.py``
times each request's spans (the routing decision, the body read to the upstream call, the
upstream's answer to the client's, and apart from them a finished call's ledger row, built
while the loop waits on the next request's upstream). The medians of the spans' per-round
p50s are printed in µs for both configs and their difference: what the brain adds and where.
``client`` is what the client sees: the p50 of the same requests minus the direct calls' p50,
the figure ``gateway_overhead.py`` reports, with the work done beside the request's path (the
rows) and what it takes from the load generator and the upstream included.
Serial only: the spans are timed for one request at a time.

``--base SRC`` also runs another checkout's gateway (its ``src``) in the same rounds, in
turns with this one, and prints both and what the brain adds in each: on a machine whose
speed drifts, two versions timed minutes apart differ by more than a change does.

``--without PART`` (``scorer``, ``features``, ``rows``; repeatable) also runs the brain gateway
with that part taken out (see ``bench/spans/sitecustomize.py``: the learned router, the
request's features, the ledger's rows) in the same rounds, and prints what the part costs in
each span: where the brain gateway's time goes.

    .venv/bin/python bench/gateway_spans.py [--rounds 4] [--requests 3000] [--json FILE]
    .venv/bin/python bench/gateway_spans.py --base /tmp/base/src   # before and after a change
    .venv/bin/python bench/gateway_spans.py --without scorer --without features --without rows
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

from gateway_overhead import Case, start_fulcrum, start_upstream

from fulcrum.aio import run_loop
from fulcrum.testing.loadgen import LoadResult, run_alternating
from fulcrum.testing.process import ServerProcess, free_port

SPANS = ("route", "before_send", "after_answer", "serve", "row")
FIGURES = (*SPANS, "client")  # client: the added p50 the client sees (over the direct calls)
BLOCK = 100  # requests per turn
CONFIGS = {"plain": False, "brain": True}
PARTS = ("scorer", "features", "rows")  # what --without can take out of the brain gateway
HOOK = Path(__file__).resolve().parent / "spans"


class Gateway(NamedTuple):
    """One gateway to time: a config of ``gateway_overhead.py``, from this checkout or another
    (``src``, its ``src`` directory)."""

    name: str
    brain: bool
    src: str | None
    without: str | None = None  # a part of the brain gateway taken out (PARTS)


def gateways(base: str | None, without: list[str]) -> list[Gateway]:
    ours = [Gateway(name, brain, None) for name, brain in CONFIGS.items()]
    ours += [Gateway(f"brain without {part}", True, None, part) for part in without]
    if base is None:
        return ours
    return ours + [Gateway(f"base {name}", brain, base) for name, brain in CONFIGS.items()]


def one_round(
    upstream_url: str, work: Path, order: list[Gateway], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Every gateway started, then all served in turns with the direct calls: the p50 of
    each one's spans (µs) and the p50 its client saw over the direct calls' (µs)."""
    with ExitStack() as stack:
        targets = [Case("direct", "openai", None).target(upstream_url.removesuffix("/v1"))]
        for gateway in order:
            own = work / gateway.name.replace(" ", "-")
            own.mkdir()
            gw = stack.enter_context(start_gateway(upstream_url, own, gateway))
            targets.append(Case(gateway.name, "openai", None).target(gw.base_url))
        direct, *served = run_loop(
            run_alternating(targets, requests=args.requests, block=BLOCK, warmup=args.warmup)
        )
    base = statistics.median(direct.latencies_ms)
    return {
        gateway.name: _figures(work, gateway, result, base, args)
        for gateway, result in zip(order, served, strict=True)
    }


def start_gateway(upstream_url: str, work: Path, gateway: Gateway) -> ServerProcess:
    """``fulcrum serve`` with the spans hook (and the part taken out, if any) loaded."""
    parts = (str(HOOK), gateway.src or "", os.environ.get("PYTHONPATH", ""))
    path = os.pathsep.join(p for p in parts if p)
    env = {"PYTHONPATH": path, "FULCRUM_SPANS_OUT": str(work / "spans.json")}
    if gateway.without:
        env["FULCRUM_SPANS_WITHOUT"] = gateway.without
    return start_fulcrum(upstream_url, free_port(), work, brain=gateway.brain, env=env)


def _figures(
    work: Path, gateway: Gateway, result: LoadResult, direct_ms: float, args: argparse.Namespace
) -> dict[str, float]:
    """One gateway's figures of a round, from the spans its process wrote when it stopped."""
    if result.errors:
        print(f"  {gateway.name}: {result.errors} errors (first: {result.first_error})")
    spans = json.loads((work / gateway.name.replace(" ", "-") / "spans.json").read_text())
    if gateway.without and spans["stood_in"] < args.requests:
        raise SystemExit(f"{gateway.name}: the stand-in served {spans['stood_in']} requests")
    # no row span when the rows are taken out
    figures = {s: statistics.median(spans[s][-args.requests :] or [0.0]) * 1000 for s in SPANS}
    figures["client"] = (statistics.median(result.latencies_ms) - direct_ms) * 1000
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--base", help="also run another checkout's gateway (its src directory)")
    parser.add_argument(
        "--without", action="append", choices=PARTS, help="also run the brain without this part"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    without = list(dict.fromkeys(args.without or ()))  # each part once, in the order given
    order = gateways(args.base, without)
    rounds: dict[str, list[dict[str, float]]] = {g.name: [] for g in order}
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fulcrum-spans-")))
        upstream = stack.enter_context(start_upstream(free_port(), work))
        for n in range(args.rounds):
            own = work / f"round-{n}"
            own.mkdir()
            figures = one_round(upstream.base_url + "/v1", own, order, args)
            for name, figure in figures.items():
                rounds[name].append(figure)
    medians = {
        g: {s: statistics.median(r[s] for r in rs) for s in FIGURES} for g, rs in rounds.items()
    }
    print(f"{args.rounds} rounds of {args.requests} serial requests; p50 µs, median of rounds")
    for prefix in ("", "base ") if args.base else ("",):
        if args.base:
            print(f"the base gateway ({args.base}):" if prefix else "this checkout's gateway:")
        print(f"  {'span':<14}{'plain':>9}{'brain':>9}{'brain - plain':>15}")
        for s in FIGURES:
            plain, brain = medians[prefix + "plain"][s], medians[prefix + "brain"][s]
            print(f"  {s:<14}{plain:9.1f}{brain:9.1f}{brain - plain:15.1f}")
    if without:
        print_parts(medians, without)
    if args.json:
        args.json.write_text(json.dumps({"medians_us": medians, "rounds": rounds}, indent=2))
    return 0


def print_parts(medians: dict[str, dict[str, float]], parts: list[str]) -> None:
    """What each part taken out cost the brain gateway, span by span (µs)."""
    print("what each part costs the brain gateway (brain - brain without it):")
    print(f"  {'span':<14}" + "".join(f"{part:>12}" for part in parts))
    for s in FIGURES:
        brain = medians["brain"][s]
        costs = "".join(f"{brain - medians[f'brain without {p}'][s]:12.1f}" for p in parts)
        print(f"  {s:<14}{costs}")


if __name__ == "__main__":
    sys.exit(main())
