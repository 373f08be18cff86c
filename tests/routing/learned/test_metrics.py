"""RouteLLM's metrics on cases small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fulcrum.routing.learned.metrics import SHARES, apgr, cpt, evaluate, measure, pgr_curve

STRONG = [1.0, 1.0, 0.0, 0.0]
WEAK = [0.0, 0.0, 0.0, 0.0]


def test_a_perfect_router_reaches_full_pgr_at_half_the_calls() -> None:
    # the two prompts with a gain go strong first: PGR = min(2 · share, 1), area 3/4
    curve = pgr_curve([0.9, 0.8, 0.1, 0.2], STRONG, WEAK)
    assert curve[50] == pytest.approx(1.0)
    assert curve[25] == pytest.approx(0.5)
    assert apgr(curve) == pytest.approx(0.75)
    assert cpt(curve, 0.5) == pytest.approx(0.25)
    assert cpt(curve, 0.8) == pytest.approx(0.40)


def test_the_worst_order_and_a_constant_score() -> None:
    assert apgr(pgr_curve([0.1, 0.2, 0.9, 0.8], STRONG, WEAK)) == pytest.approx(0.25)
    constant = pgr_curve([0.5] * 4, STRONG, WEAK)  # ties are routed in expectation: random
    assert np.allclose(constant, SHARES)
    assert apgr(constant) == pytest.approx(0.5)
    assert cpt(constant, 0.5) == pytest.approx(0.5)
    assert cpt(constant, 0.8) == pytest.approx(0.8)


def test_a_random_router_scores_about_one_half() -> None:
    rng = np.random.default_rng(7)
    strong = rng.integers(0, 2, 4000).astype(float)
    weak = strong * rng.integers(0, 2, 4000)
    runs = [apgr(pgr_curve(rng.random(4000), strong, weak)) for _ in range(20)]
    assert abs(float(np.mean(runs)) - 0.5) < 0.02


def test_pgr_passes_one_when_the_weak_model_wins_some_prompts() -> None:
    # gains 1, 1, −1 in routing order: cumulative 0, 1, 2, 1 over a total gain of 1
    curve = pgr_curve([3.0, 2.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    assert curve.max() == pytest.approx(2.0, abs=0.02)
    assert curve[-1] == pytest.approx(1.0)
    assert apgr(curve) == pytest.approx(7 / 6, abs=2e-3)


def test_judge_scores_are_used_as_they_are() -> None:
    result = measure([2.0, 1.0], np.array([10.0, 9.0]), np.array([6.0, 9.0]))
    assert result.apgr == pytest.approx(0.75)  # all 4 points of gain sit on the first prompt


def test_no_gain_leaves_the_metrics_undefined() -> None:
    result = measure([0.3, 0.7], np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert math.isnan(result.apgr) and math.isnan(result.cpt50)
    assert result.as_dict() == {"apgr": None, "cpt50": None, "cpt80": None}


def test_evaluate_groups_rows_by_benchmark_in_order_of_appearance() -> None:
    results = evaluate(
        ["b", "a", "b", "a"],
        [1.0, 1.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0],
        {"r": [0.9, 0.1, 0.2, 0.8]},
    )
    assert [(r.benchmark, r.rows) for r in results] == [("b", 2), ("a", 2)]
    assert results[0].routers["r"].apgr == pytest.approx(0.75)
    assert results[1].routers["r"].apgr == pytest.approx(0.5)
    assert results[0].strong_mean == pytest.approx(0.5)
