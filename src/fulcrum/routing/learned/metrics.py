"""RouteLLM's router metrics: PGR along the share of calls sent to the strong model, APGR, CPT.

For scores ``s`` and ``k`` calls to the strong model (the ``k`` highest scores go strong):
performance is the mean of the chosen model's score over all prompts, and
``PGR(k) = (perf(k) − weak mean) / (strong mean − weak mean)`` — 0 with every call local, 1 with
every call strong, above 1 where the strong model does worse than the weak one on some prompts.
APGR is the area under PGR against the strong-call share (the trapezoid rule over the
:data:`GRID` shares 0%, 1%, …, 100%); CPT(x%) is the smallest share on that grid whose PGR is at
least x%.

Ties are routed in expectation: within a run of equal scores the gain is spread evenly (as a
random order of the tied prompts would give on average), so a constant score is exactly the
random router (PGR = share, APGR = 0.5) and no order of the input favours a baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
GRID = 101
SHARES: FloatArray = np.linspace(0.0, 1.0, GRID)


Values = Sequence[float] | FloatArray


def pgr_curve(scores: Values, strong: Values, weak: Values) -> FloatArray:
    """PGR at each share of :data:`SHARES`; NaN everywhere when the strong model scores no
    better than the weak one overall (no gap to recover: a worse router would score higher)."""
    s = np.asarray(scores, dtype=np.float64)
    gain = np.asarray(strong, dtype=np.float64) - np.asarray(weak, dtype=np.float64)
    total = float(gain.sum())
    if len(s) == 0 or total < 1e-12:
        return np.full(GRID, np.nan)
    order = np.argsort(-s, kind="stable")
    ranked, ranked_gain = s[order], gain[order]
    edges = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1], True])
    cumulative = np.r_[0.0, np.cumsum(ranked_gain)][edges]
    curve: FloatArray = np.interp(SHARES * len(s), edges, cumulative) / total
    return curve


def apgr(curve: FloatArray) -> float:
    """The area under a PGR curve over the strong-call share."""
    step = 1.0 / (GRID - 1)
    return float(step * (curve.sum() - (curve[0] + curve[-1]) / 2.0))


def cpt(curve: FloatArray, target: float) -> float:
    """The smallest strong-call share (0–1) whose PGR reaches ``target``; NaN when undefined."""
    reached = np.flatnonzero(curve >= target - 1e-9)
    return float(SHARES[reached[0]]) if len(reached) else float("nan")


@dataclass(frozen=True, slots=True)
class RouterResult:
    apgr: float
    cpt50: float
    cpt80: float
    curve: FloatArray = field(repr=False)

    def as_dict(self) -> dict[str, float | None]:
        def clean(x: float) -> float | None:
            return None if np.isnan(x) else round(x, 4)

        return {"apgr": clean(self.apgr), "cpt50": clean(self.cpt50), "cpt80": clean(self.cpt80)}


def measure(
    scores: Sequence[float] | FloatArray, strong: FloatArray, weak: FloatArray
) -> RouterResult:
    curve = pgr_curve(scores, strong, weak)
    return RouterResult(apgr=apgr(curve), cpt50=cpt(curve, 0.5), cpt80=cpt(curve, 0.8), curve=curve)


@dataclass(frozen=True, slots=True)
class BenchmarkResult:
    benchmark: str
    rows: int
    strong_mean: float
    weak_mean: float
    routers: dict[str, RouterResult]

    def as_dict(self) -> dict[str, object]:
        return {
            "benchmark": self.benchmark,
            "rows": self.rows,
            "strong_mean": round(self.strong_mean, 4),
            "weak_mean": round(self.weak_mean, 4),
            "routers": {name: r.as_dict() for name, r in self.routers.items()},
        }


def evaluate(
    benchmarks: Sequence[str],
    strong: Sequence[float],
    weak: Sequence[float],
    routers: Mapping[str, Sequence[float]],
) -> list[BenchmarkResult]:
    """Each router's results per benchmark (in order of first appearance)."""
    names = np.asarray(benchmarks)
    s_all, w_all = np.asarray(strong, dtype=np.float64), np.asarray(weak, dtype=np.float64)
    out = []
    for bench in dict.fromkeys(benchmarks):
        mask = names == bench
        s, w = s_all[mask], w_all[mask]
        results = {
            name: measure(np.asarray(scores, dtype=np.float64)[mask], s, w)
            for name, scores in routers.items()
        }
        out.append(
            BenchmarkResult(bench, int(mask.sum()), float(s.mean()), float(w.mean()), results)
        )
    return out
