"""Time the Monte Carlo and the decision on the example scenarios.

For every ``examples/*.toml`` scenario: the median over ``--repeats`` runs of ``decide()``
(catalog already loaded), of the Monte Carlo with ``--draws`` draws (default 100,000), and
of the whole ``fulcrum decide --json`` path inside the process (scenario parsing included).

    .venv/bin/python bench/bench_decide.py [--repeats 7] [--draws 100000] [--json FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from fulcrum.catalog import load_catalog
from fulcrum.cli import main
from fulcrum.costs.decision import decide
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cli_run(path: Path, draws: int) -> None:
    with redirect_stdout(io.StringIO()):
        try:
            main(["decide", str(path), "--json", "--draws", str(draws)])
        except SystemExit as exc:  # typer exits 0 after a command
            if exc.code:
                raise


def bench(path: Path, repeats: int, draws: int) -> dict[str, Any]:
    catalog = load_catalog()
    scenario = load_scenario(path, catalog)
    decision = decide(scenario, catalog)
    return {
        "scenario": path.name,
        "decide_ms": round(median_ms(lambda: decide(scenario, catalog), repeats), 2),
        "monte_carlo_ms": round(
            median_ms(lambda: run_monte_carlo(scenario, catalog, decision, draws), repeats), 2
        ),
        "cli_decide_json_ms": round(median_ms(lambda: cli_run(path, draws), repeats), 2),
        "draws": draws,
        "has_uncertainty": run_monte_carlo(scenario, catalog, decision, 10) is not None,
    }


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    results = [bench(p, args.repeats, args.draws) for p in sorted(ROOT.glob("examples/*.toml"))]
    header = f"{'scenario':34} {'decide ms':>10} {'MC ms':>10} {'CLI ms':>10}"
    print(header)
    for r in results:
        mc = f"{r['monte_carlo_ms']:10.2f}" if r["has_uncertainty"] else f"{'-':>10}"
        print(f"{r['scenario']:34} {r['decide_ms']:10.2f} {mc} {r['cli_decide_json_ms']:10.2f}")
    print(f"(median of {args.repeats} runs; Monte Carlo with {args.draws:,} draws)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main_bench()
