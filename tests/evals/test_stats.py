from __future__ import annotations

import random

import pytest
from scipy import stats as sps

from fulcrum.evals import stats


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (18, 30), (24, 30), (30, 30), (57, 113)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = stats.wilson(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-9)
    assert hi == pytest.approx(ci.high, abs=1e-9)


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="passed must be"):
        stats.wilson(11, 10)
    assert stats.wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("b", "c"), [(2, 8), (1, 7), (0, 5), (5, 5), (3, 12), (40, 61), (0, 0)])
def test_mcnemar_matches_scipy_binomial_test(b: int, c: int) -> None:
    expected = 1.0 if b + c == 0 else sps.binomtest(b, b + c, 0.5).pvalue
    assert stats.mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def test_brief_example_depends_on_discordance() -> None:
    # 18/30 vs 24/30: with 2 and 8 discordant specs p ~= 0.11 (the brief's figure) ...
    assert stats.mcnemar_exact(2, 8) == pytest.approx(0.109375)
    # ... but the same pass rates with 0 and 6 discordant specs are significant.
    assert stats.mcnemar_exact(0, 6) == pytest.approx(0.03125)


def test_bootstrap_matches_independent_resampling() -> None:
    rng = random.Random(7)
    a = [float(rng.random() < 0.6) for _ in range(60)]
    b = [float(rng.random() < 0.8) for _ in range(60)]
    groups = [f"g{i // 3}" for i in range(60)]
    diff, lo, hi = stats.bootstrap_diff(a, b, groups, resamples=4000)
    assert diff == pytest.approx(sum(b) / 60 - sum(a) / 60)
    # independent cluster bootstrap with the stdlib RNG
    clusters: dict[str, list[float]] = {}
    for x, y, g in zip(a, b, groups, strict=True):
        clusters.setdefault(g, []).append(y - x)
    names = sorted(clusters)
    draws = []
    for _ in range(8000):
        picked = [clusters[rng.choice(names)] for _ in names]
        draws.append(sum(map(sum, picked)) / sum(map(len, picked)))
    draws.sort()
    assert lo == pytest.approx(draws[int(0.025 * len(draws))], abs=0.03)
    assert hi == pytest.approx(draws[int(0.975 * len(draws))], abs=0.03)
    assert lo < diff < hi


def test_bootstrap_clusters_widen_the_interval() -> None:
    a = [0.0] * 10 + [1.0] * 10 + [0.0] * 10
    b = [1.0] * 10 + [1.0] * 10 + [0.0] * 10
    _, lo_iid, hi_iid = stats.bootstrap_diff(a, b)
    _, lo_cl, hi_cl = stats.bootstrap_diff(a, b, ["x"] * 10 + ["y"] * 10 + ["z"] * 10)
    assert hi_cl - lo_cl > hi_iid - lo_iid


def test_bootstrap_input_errors() -> None:
    with pytest.raises(ValueError, match="same length"):
        stats.bootstrap_diff([1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="one cluster per spec"):
        stats.bootstrap_diff([1.0, 0.0], [1.0, 1.0], ["a"])


def test_power_matches_the_brief() -> None:
    # resolving a 10-point gap takes roughly 150-300 specs
    assert 150 <= stats.specs_needed(0.10, 0.2) <= 170
    assert 300 <= stats.specs_needed(0.10, 0.4) <= 320
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    assert stats.min_detectable_gap(30, 0.3) == pytest.approx(z * (0.3 / 30) ** 0.5)
    assert stats.min_detectable_gap(300) < stats.min_detectable_gap(30)


def test_small_suite_warning() -> None:
    warning = stats.small_suite_warning(12)
    assert warning is not None and "12 specs" in warning and "interval" in warning
    assert stats.small_suite_warning(30) is None
