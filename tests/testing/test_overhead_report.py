"""The overhead report computes added latency and the target ratios from the measured runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.testing.loadgen import LoadResult
from fulcrum.testing.overhead_report import (
    Measured,
    format_figures,
    key_figures,
    median_figures,
    print_report,
    ratios,
    write_json,
)


def _run(
    name: str, ms: float, rps: float, *, clients: int, ttft: float | None = None
) -> LoadResult:
    n = 100
    res = LoadResult(name, clients, latencies_ms=[ms] * n, elapsed_s=n / rps)
    if ttft is not None:
        res.ttft_ms = [ttft] * n
    return res


def _target(name: str, path: str, ms: float, rps: float, ttft: float | None = None) -> Measured:
    stream = ttft is not None
    serial = _run(name, ms, 1000 / ms, clients=1, ttft=ttft)
    return Measured(name, path, stream, serial, _run(name, ms * 4, rps, clients=16))


RESULTS = [
    _target("direct", "openai", 0.40, 5000),
    _target("direct-stream", "openai", 0.50, 4000, ttft=0.30),
    _target("litellm", "openai", 18.0, 100),
    _target("fulcrum", "openai", 0.70, 1200),
    _target("fulcrum-stream", "openai", 0.90, 1100, ttft=0.80),
    _target("ccr", "anthropic", 5.0, 400),
    _target("fulcrum-anth", "anthropic", 0.80, 1000),
]


def test_ratios_against_the_targets() -> None:
    lines = ratios(RESULTS, 16)
    assert lines == [
        "fulcrum added p50, serial: 0.300 ms (target < 0.5)",
        "fulcrum added p99, serial: 0.300 ms (target < 1)",
        "fulcrum req/s at 16 clients: 1,200 (target ≥ 3,700)",
        "  fulcrum ÷ direct req/s: 0.24× (3,700 was 0.59× direct)",
        "fulcrum-stream req/s at 16 clients: 1,100 (target ≥ 3,000)",
        "  fulcrum-stream ÷ direct-stream req/s: 0.28× (compare across runs)",
        "fulcrum streaming time-to-first-byte overhead p50: 0.500 ms (target < 1)",
        "fulcrum ÷ litellm req/s at 16 clients: 12.00× (target ≥ 10×)",
        "fulcrum-anth ÷ ccr req/s at 16 clients: 2.50× (target ≥ 1×)",
    ]


def test_the_lean_hop_is_the_floor_of_its_figures() -> None:
    lean = _target("lean-hop", "openai", 0.50, 2500)
    figures = key_figures([RESULTS[0], lean])
    assert figures == pytest.approx({"lean_p50_ms": 0.10, "lean_rps_of_direct": 0.5})


def test_ratios_leave_out_what_was_not_measured() -> None:
    assert ratios([r for r in RESULTS if r.name in ("direct", "ccr")], 16) == []


def test_table_and_skips(capsys: pytest.CaptureFixture[str]) -> None:
    print_report(RESULTS[:2], {"litellm": "ComponentMissing: not installed"}, clients=16)
    out = capsys.readouterr().out
    direct = next(line for line in out.splitlines() if line.startswith("direct "))
    assert direct.split()[:5] == ["direct", "openai", "0.40", "0.40", "0.00"]
    assert "skipped litellm: ComponentMissing: not installed" in out


def test_json(tmp_path: Path) -> None:
    path = tmp_path / "out" / "overhead.json"
    write_json(path, RESULTS[:1], {"ccr": "why"})
    data = json.loads(path.read_text())
    assert data["skipped"] == {"ccr": "why"}
    assert data["results"]["direct"]["concurrent"]["rps"] == pytest.approx(5000)
    assert data["results"]["direct"]["serial"]["p50_ms"] == pytest.approx(0.40)


def test_key_figures_and_their_medians_over_runs() -> None:
    hop = _target("aiohttp-hop", "openai", 0.65, 3000)
    one = key_figures([*RESULTS, hop])
    assert one["added_p50_ms"] == pytest.approx(0.30)
    assert one["hop_p50_ms"] == pytest.approx(0.25)
    assert one["litellm_ratio"] == pytest.approx(12.0)
    slower = [_target("direct", "openai", 0.40, 5000), _target("fulcrum", "openai", 1.40, 1000)]
    other = key_figures(slower)
    assert set(other) == {"added_p50_ms", "added_p99_ms", "rps", "rps_of_direct"}
    medians = median_figures([one, other, one])
    assert medians["added_p50_ms"] == pytest.approx(0.30)  # median of 0.3, 1.0, 0.3
    assert medians["ccr_ratio"] == pytest.approx(2.5)  # only the runs that measured it
    lines = format_figures(medians, 16)
    assert lines[0] == "fulcrum added p50, serial: 0.300 ms (target < 0.5)"
    assert "one bare aiohttp hop adds: 0.250 ms (the floor)" in lines[1]


def test_a_target_with_its_own_baselines_is_compared_with_their_mean() -> None:
    """The direct runs measured beside a target's serial phase are its baseline (their mean
    when there are several): the run's ``direct`` target, measured earlier, no longer counts."""
    brain = _target("fulcrum-brain", "openai", 0.90, 900)
    brain.baselines = (_run("direct", 0.20, 3000, clients=1), _run("direct", 0.40, 2000, clients=1))
    figures = key_figures([RESULTS[0], brain])  # the run's direct says 0.40
    assert figures["brain_added_p50_ms"] == pytest.approx(0.90 - 0.30)
    alone = key_figures([brain])  # no run-wide baseline is needed then
    assert alone["brain_added_p50_ms"] == pytest.approx(0.60)
    assert "brain_added_p50_ms" not in key_figures([_target("fulcrum-brain", "openai", 0.9, 900)])


def test_the_streaming_overhead_uses_its_own_baselines_time_to_first_byte() -> None:
    stream = _target("fulcrum-stream", "openai", 0.90, 1100, ttft=0.80)
    base = _run("direct-stream", 0.50, 2000, clients=1, ttft=0.20)
    stream.baselines = (base, base)
    figures = key_figures([*RESULTS, stream][1:])  # the run's direct-stream says 0.30
    assert figures["ttfb_overhead_ms"] == pytest.approx(0.60)
