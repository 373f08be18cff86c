"""The latency SLO: spill when slow, come back when recovered, never flap around the limit."""

from __future__ import annotations

import tomllib

import pytest

from fulcrum.errors import ConfigError
from fulcrum.routing.slo import LatencyConfig, LatencyGuard, parse_latency
from fulcrum.tables import Table


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _guard(**kw: float) -> tuple[LatencyGuard, Clock]:
    clock = Clock()
    config = LatencyConfig(**{"ttft_ms_max": 1000.0, "queue_max": 4, "window_s": 10.0,
                              "min_hold_s": 5.0, **kw})  # type: ignore[arg-type]  # fmt: skip
    return LatencyGuard(config, clock=clock), clock


def _feed(guard: LatencyGuard, clock: Clock, ms: float, n: int = 5, step: float = 0.1) -> None:
    for _ in range(n):
        clock.now += step
        guard.observe_ttft("llama", ms)


def test_slow_ttft_spills_and_recovers_after_the_hold() -> None:
    guard, clock = _guard()
    _feed(guard, clock, 500)
    assert guard.spilling("llama") is False
    _feed(guard, clock, 1500, n=10)
    state = guard.state("llama")
    assert (state.spilling, state.reason, state.ttft_ms) == (True, "ttft", 1500)
    clock.now += 11  # the slow samples leave the window, but only fast ones may bring it back
    _feed(guard, clock, 650)
    assert guard.spilling("llama") is False  # held 12 s > 5 s, p90 650 < 700
    assert guard.state("llama").as_dict()["reason"] is None


def test_a_single_slow_call_is_not_enough() -> None:
    guard, clock = _guard()
    _feed(guard, clock, 9000, n=2)
    assert guard.spilling("llama") is False  # fewer than MIN_SAMPLES
    assert guard.state("llama").ttft_ms is None


def test_queue_depth_spills_at_once_and_recovers_below_the_ratio() -> None:
    guard, _ = _guard(min_hold_s=0.0)
    depth = [5]
    guard.watch_queue("llama", lambda: depth[0])
    assert guard.spilling("llama") and guard.state("llama").reason == "queue"
    depth[0] = 3  # below the limit, not below 0.7 × 4 = 2.8
    assert guard.spilling("llama")
    depth[0] = 2
    assert not guard.spilling("llama")


def test_a_watched_queue_is_read_whenever_the_guard_looks() -> None:
    guard, _ = _guard(min_hold_s=0.0)
    depth = [0]
    guard.watch_queue("llama", lambda: depth[0])
    assert not guard.spilling("llama")
    depth[0] = 5
    assert guard.spilling("llama") and guard.state("llama").queue == 5
    depth[0] = 2
    assert guard.state("llama").queue == 2 and not guard.spilling("llama")
    assert not guard.spilling("mlx")  # another backend: its own depth (none watched)


def test_min_hold_keeps_the_spill() -> None:
    guard, clock = _guard(min_hold_s=30.0)
    depth = [9]
    guard.watch_queue("llama", lambda: depth[0])
    assert guard.spilling("llama")
    depth[0] = 0
    clock.now += 29
    assert guard.spilling("llama") and guard.state("llama").for_s == 29
    clock.now += 2
    assert not guard.spilling("llama")


def test_no_flapping_around_the_limit() -> None:
    """TTFT wobbling ±10% around the limit for ten minutes: one spill, no return."""
    guard, clock = _guard(window_s=30.0, min_hold_s=10.0)
    changes, last = 0, False
    for i in range(6000):
        clock.now += 0.1
        guard.observe_ttft("llama", 1000 * (1.1 if i % 2 else 0.9))
        now = guard.spilling("llama")
        changes += now != last
        last = now
    assert changes == 1 and last is True


def test_backends_are_independent_and_unknown_ones_do_not_spill() -> None:
    guard, _ = _guard()
    guard.watch_queue("llama", lambda: 99)
    assert guard.spilling("llama") and not guard.spilling("vllm")
    assert guard.backends() == ["llama", "vllm"]


def _parse(text: str) -> LatencyConfig:
    data = tomllib.loads(text)
    return parse_latency(Table(data["policy"]["latency"], "policy.toml", "policy.latency"))


def test_config() -> None:
    config = _parse("[policy.latency]\nttft_ms_max = 4000\nqueue_max = 8\nwindow_s = 30\n"
                    "recover_ratio = 0.6\nmin_hold_s = 20\nttft_percentile = 95\n")  # fmt: skip
    assert config == LatencyConfig(4000.0, 8, 30.0, 0.6, 20.0, 95.0)
    assert _parse("[policy.latency]\nqueue_max = 2\n").ttft_ms_max is None


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("window_s = 30", "policy.latency.ttft_ms_max", "ttft_ms_max or queue_max"),
        ("ttft_ms_max = 0", "policy.latency.ttft_ms_max", "a number >= 1"),
        ("queue_max = 1.5", "policy.latency.queue_max", "an integer >= 1"),
        ("queue_max = 1\nrecover_ratio = 1.5", "policy.latency.recover_ratio", "[0.05, 1.0]"),
        ("queue_max = 1\nttft_ms = 3", "policy.latency.ttft_ms", "did you mean `ttft_ms_max`"),
        ("queue_max = 1\nwindow_s = 1e300", "policy.latency.window_s", "[1.0, 86400.0]"),
        ("queue_max = 1\nmin_hold_s = 1e300", "policy.latency.min_hold_s", "[0.0, 86400.0]"),
    ],
)
def test_mistakes_name_the_field(text: str, field: str, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        _parse(f"[policy.latency]\n{text}\n")
    assert f"policy.toml: {field}:" in str(err.value) and says in str(err.value)
