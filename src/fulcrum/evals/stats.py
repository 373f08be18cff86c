"""Paired statistics for two models on the same specs (pure functions, no I/O).

- :func:`wilson` — Wilson score interval of a pass rate.
- :func:`mcnemar_exact` — exact two-sided McNemar test: a binomial test of the discordant
  pairs (``b`` specs only model A passes, ``c`` only model B passes) against p = 1/2.
- :func:`bootstrap_diff` — the paired difference of pass rates (B − A) with a percentile
  bootstrap interval; specs sharing a cluster (their ``group``) are resampled together.
- :func:`min_detectable_gap` — the smallest gap the suite resolves at the given power, from the
  normal approximation of McNemar's test: ``(z[1-α/2] + z[power]) · sqrt(p_disc / n)``, where
  ``p_disc`` is the share of discordant specs (observed, or :data:`ASSUMED_DISCORDANCE`).

With 30 specs, 18/30 vs 24/30 with 2 and 8 discordant specs gives p ≈ 0.109; resolving a
10-point gap needs ``n = 2.80² · p_disc / 0.1²`` ≈ 160–310 specs for p_disc = 0.2–0.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

ASSUMED_DISCORDANCE = 0.3
MIN_SPECS = 30


def _z(q: float) -> float:
    return float(NormalDist().inv_cdf(q))


def wilson(passed: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``passed`` successes out of ``n``; (0, 1) when n is 0."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= passed <= n:
        raise ValueError(f"passed must be in [0, {n}], got {passed}")
    z = _z(0.5 + confidence / 2)
    p = passed / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs."""
    if b < 0 or c < 0:
        raise ValueError("discordant counts must be >= 0")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / (1 << n)
    return min(1.0, 2 * tail)


def bootstrap_diff(
    a: Sequence[float],
    b: Sequence[float],
    clusters: Sequence[str] | None = None,
    *,
    resamples: int = 4000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Mean paired difference ``mean(b - a)`` and its (cluster) bootstrap percentile interval.

    ``a`` and ``b`` are per-spec scores (pass rate over epochs) in the same spec order;
    ``clusters`` names each spec's cluster (default: each spec its own).
    """
    if len(a) != len(b) or not a:
        raise ValueError("a and b must be non-empty and of the same length")
    diffs = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    labels = list(clusters) if clusters is not None else [str(i) for i in range(len(diffs))]
    if len(labels) != len(diffs):
        raise ValueError("clusters must name one cluster per spec")
    names = sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    ids = np.array([index[x] for x in labels])
    sums = np.bincount(ids, weights=diffs, minlength=len(names))
    counts = np.bincount(ids, minlength=len(names)).astype(float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(resamples, len(names)))
    boot = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(boot, [alpha, 1 - alpha])
    return float(diffs.mean()), float(lo), float(hi)


def min_detectable_gap(
    n: int, discordance: float | None = None, *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest true gap in pass rate the paired test detects with ``power`` on ``n`` specs."""
    if n <= 0:
        return 1.0
    p_disc = discordance if discordance else ASSUMED_DISCORDANCE
    return min(1.0, (_z(1 - alpha / 2) + _z(power)) * math.sqrt(p_disc / n))


def specs_needed(
    gap: float, discordance: float = ASSUMED_DISCORDANCE, *, alpha: float = 0.05,
    power: float = 0.8,
) -> int:  # fmt: skip
    """How many specs resolve ``gap`` at ``power`` (inverse of :func:`min_detectable_gap`)."""
    if gap <= 0:
        raise ValueError("gap must be > 0")
    return math.ceil((_z(1 - alpha / 2) + _z(power)) ** 2 * discordance / gap**2)


def small_suite_warning(n: int) -> str | None:
    """The warning shown when a suite has fewer than :data:`MIN_SPECS` specs."""
    if n >= MIN_SPECS:
        return None
    return (
        f"only {n} specs (fewer than {MIN_SPECS}): the 95% intervals are wide, so the true pass "
        "rates and gap may lie anywhere inside them; a difference is only resolved when its "
        "interval excludes 0. Add specs before acting on the result."
    )
