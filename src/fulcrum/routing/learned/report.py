"""The ``fulcrum router eval`` table: per benchmark, the model and the baselines."""

from __future__ import annotations

import math

from fulcrum.routing.learned.ops import EvalResult


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x * 100:.0f}%"


def _num(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def eval_table(result: EvalResult) -> str:
    """Aligned text: one line per benchmark and router, then the model's margin over length."""
    head = ("benchmark", "rows", "router", "APGR", "CPT(50%)", "CPT(80%)")
    lines: list[tuple[str, ...]] = [head]
    for bench in result.benchmarks:
        for i, (name, r) in enumerate(bench.routers.items()):
            label = f"{name} ({result.model_version})" if i == 0 else name
            first = (bench.benchmark, str(bench.rows)) if i == 0 else ("", "")
            lines.append((*first, label, _num(r.apgr), _pct(r.cpt50), _pct(r.cpt80)))
    widths = [max(len(line[c]) for line in lines) for c in range(len(head))]
    out = []
    for line in lines:
        cells = [
            cell.ljust(w) if c < 3 else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    out.append("")
    for bench in result.benchmarks:
        routers = list(bench.routers.values())
        margin = routers[0].apgr - routers[1].apgr
        if math.isnan(margin):  # the strong model is no better: no gap to recover
            out.append(
                f"{bench.benchmark}: APGR n/a (the strong model scores no better than the weak: "
                f"{bench.strong_mean:.3f} vs {bench.weak_mean:.3f})"
            )
        else:
            out.append(f"{bench.benchmark}: APGR {margin:+.3f} over prompt length")
    return "\n".join(out)
