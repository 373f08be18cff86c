"""The report of ``bench/gateway_overhead.py``: the table, the target ratios, and JSON output.

Added latency is measured against the baseline target ``direct`` (``direct-stream`` for streaming
targets): the same fake upstream called without a gateway in between. A target measured with
its own baselines (``Measured.baselines``: serial runs of ``direct`` made in turns with the
target's serial requests, ``loadgen.run_alternating``) is compared with their mean, so that a
machine whose load drifts over the minutes of a run does not add the drift to the figure;
otherwise with the run's ``direct`` target.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from fulcrum.testing.loadgen import LoadResult


@dataclass
class Measured:
    """One target's serial and concurrent runs."""

    name: str
    path: str  # the client's API: "openai" (pass-through), "anthropic" or "responses"
    stream: bool
    serial: LoadResult
    concurrent: LoadResult
    baselines: tuple[LoadResult, ...] = ()  # the baseline's serial runs beside ``serial``


def baseline_name(stream: bool) -> str:
    """The baseline target of a streaming or a non-streaming target."""
    return "direct-stream" if stream else "direct"


def _baseline(results: list[Measured], m: Measured) -> Measured | None:
    want = baseline_name(m.stream)
    return next((r for r in results if r.name == want), None)


def base_percentile(results: list[Measured], m: Measured, q: float, *, ttft: bool = False) -> float:
    """The baseline's serial percentile for ``m``: the mean over ``m``'s own baselines, else
    the run's baseline target's (NaN when there is none)."""
    if m.baselines:
        return statistics.fmean(b.percentile(q, ttft=ttft) for b in m.baselines)
    base = _baseline(results, m)
    return base.serial.percentile(q, ttft=ttft) if base else math.nan


def _fmt(value: float, digits: int = 2) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def print_report(results: list[Measured], skipped: dict[str, str], *, clients: int) -> None:
    """Print the table (ms; +p50 is the added latency over the baseline), ratios and skips."""
    head = (
        f"{'target':<22}{'path':<10}{'p50 ms':>8}{'p99 ms':>8}{'+p50':>7} |"
        f"{f'c{clients} p50':>9}{'p99':>8}{'+p50':>7}{'req/s':>8} |{'ttfb p50':>9}{'+ttfb':>7}"
    )
    print()
    print(head)
    print("-" * len(head))
    for m in results:
        base = _baseline(results, m)
        nan = float("nan")
        added = m.serial.p50 - base_percentile(results, m, 50)
        added_c = m.concurrent.p50 - base.concurrent.p50 if base else nan
        ttfb = m.serial.percentile(50, ttft=True) if m.stream else nan
        ttfb_base = base_percentile(results, m, 50, ttft=True) if m.stream else nan
        print(
            f"{m.name:<22}{m.path:<10}{_fmt(m.serial.p50):>8}{_fmt(m.serial.p99):>8}"
            f"{_fmt(added):>7} |{_fmt(m.concurrent.p50):>9}{_fmt(m.concurrent.p99):>8}"
            f"{_fmt(added_c):>7}{_fmt(m.concurrent.rps, 0):>8} |{_fmt(ttfb):>9}"
            f"{_fmt(ttfb - ttfb_base):>7}"
        )
    print()
    for line in ratios(results, clients):
        print(line)
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")


TARGETS = {  # key -> (label, target text)
    "added_p50_ms": ("fulcrum added p50, serial: {v:.3f} ms", "target < 0.5"),
    "hop_p50_ms": ("  one bare aiohttp hop adds: {v:.3f} ms", "the floor"),
    "lean_p50_ms": ("  one lean Python hop adds: {v:.3f} ms", "the floor of any Python hop"),
    "added_p99_ms": ("fulcrum added p99, serial: {v:.3f} ms", "target < 1"),
    "rps": ("fulcrum req/s at {c} clients: {v:,.0f}", "target ≥ 3,700"),
    "rps_of_direct": ("  fulcrum ÷ direct req/s: {v:.2f}×", "3,700 was 0.59× direct"),
    "lean_rps_of_direct": ("  one lean Python hop ÷ direct req/s: {v:.2f}×", "the floor"),
    "stream_rps": ("fulcrum-stream req/s at {c} clients: {v:,.0f}", "target ≥ 3,000"),
    "stream_rps_of_direct": (
        "  fulcrum-stream ÷ direct-stream req/s: {v:.2f}×",
        "compare across runs",
    ),
    "ttfb_overhead_ms": (
        "fulcrum streaming time-to-first-byte overhead p50: {v:.3f} ms",
        "target < 1",
    ),
    "litellm_ratio": ("fulcrum ÷ litellm req/s at {c} clients: {v:.2f}×", "target ≥ 10×"),
    "ccr_ratio": ("fulcrum-anth ÷ ccr req/s at {c} clients: {v:.2f}×", "target ≥ 1×"),
    "brain_added_p50_ms": ("fulcrum-brain added p50, serial: {v:.3f} ms", "target < 0.5"),
    "brain_session_added_p50_ms": (
        "  in one Claude Code session (pinned turns): {v:.3f} ms",
        "the brain's steady state",
    ),
    "brain_litellm_ratio": (
        "fulcrum-brain ÷ litellm req/s at {c} clients: {v:.2f}×",
        "target ≥ 10×",
    ),
    "brain_ccr_ratio": ("fulcrum-brain ÷ ccr req/s at {c} clients: {v:.2f}×", "target ≥ 1×"),
}
# (figure, ours, theirs): our requests/s at the concurrent load over a peer's
RPS_RATIOS = (
    ("litellm_ratio", "fulcrum", "litellm"),
    ("ccr_ratio", "fulcrum-anth", "ccr"),
    ("brain_litellm_ratio", "fulcrum-brain", "litellm"),
    ("brain_ccr_ratio", "fulcrum-brain", "ccr"),
    ("rps_of_direct", "fulcrum", "direct"),
    ("lean_rps_of_direct", "lean-hop", "direct"),
    ("stream_rps_of_direct", "fulcrum-stream", "direct-stream"),
)
# (figure, ours): requests/s at the concurrent load
RPS = (("rps", "fulcrum"), ("stream_rps", "fulcrum-stream"))
# (figure, ours): serial p50 over the direct baseline
ADDED_P50 = (
    ("added_p50_ms", "fulcrum"),
    ("hop_p50_ms", "aiohttp-hop"),
    ("lean_p50_ms", "lean-hop"),
    ("brain_added_p50_ms", "fulcrum-brain"),
    ("brain_session_added_p50_ms", "fulcrum-brain-session"),
)


def key_figures(results: list[Measured]) -> dict[str, float]:
    """The figures the gateway issue sets targets on, for the targets these results have."""
    by = {m.name: m for m in results}
    out: dict[str, float] = {}
    for key, ours in ADDED_P50:
        if ours in by:
            out[key] = by[ours].serial.p50 - base_percentile(results, by[ours], 50)
    if "fulcrum" in by:
        out["added_p99_ms"] = by["fulcrum"].serial.p99 - base_percentile(results, by["fulcrum"], 99)
    if "fulcrum-stream" in by:
        stream = by["fulcrum-stream"]
        ttfb = stream.serial.percentile(50, ttft=True)
        out["ttfb_overhead_ms"] = ttfb - base_percentile(results, stream, 50, ttft=True)
    out = {k: v for k, v in out.items() if not math.isnan(v)}
    for key, ours, theirs in RPS_RATIOS:
        if ours in by and theirs in by:
            out[key] = by[ours].concurrent.rps / by[theirs].concurrent.rps
    out.update((key, by[ours].concurrent.rps) for key, ours in RPS if ours in by)
    return out


def format_figures(figures: dict[str, float], clients: int, prefix: str = "") -> list[str]:
    """One line per figure, with its target."""
    return [
        f"{prefix}{label.format(v=figures[key], c=clients)} ({target})"
        for key, (label, target) in TARGETS.items()
        if key in figures
    ]


def ratios(results: list[Measured], clients: int) -> list[str]:
    """One line per target of the gateway issue that these results can check."""
    return format_figures(key_figures(results), clients)


def median_figures(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over repeated runs (over the runs that have it)."""
    keys = dict.fromkeys(k for run in runs for k in run)
    return {k: statistics.median(run[k] for run in runs if k in run) for k in keys}


def write_json(path: Path, results: list[Measured], skipped: dict[str, str]) -> None:
    """Write every target's serial and concurrent numbers, and the skipped targets, as JSON."""

    def one(r: LoadResult) -> dict[str, float | int]:
        return {
            "p50_ms": r.p50,
            "p99_ms": r.p99,
            "rps": r.rps,
            "ok": r.ok,
            "errors": r.errors,
            "ttfb_p50_ms": r.percentile(50, ttft=True),
            "concurrency": r.concurrency,
        }

    data = {
        "results": {
            m.name: {
                "path": m.path,
                "serial": one(m.serial),
                "concurrent": one(m.concurrent),
                "baselines": [one(b) for b in m.baselines],
            }
            for m in results
        },
        "skipped": skipped,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
