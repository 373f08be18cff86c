"""Training rows from the evals' paired results: ``fulcrum router outcomes``.

One row per spec that both models attempted in a run of ``fulcrum eval run``: ``prompt`` is the
spec's instruction (what the agent was asked), ``strong_score`` and ``weak_score`` the frontier
and the local model's pass rate over the run's epochs (the evals' own per-spec score), ``id``
``<run>:<spec>`` and ``benchmark`` ``eval:<suite directory name>``. ``train`` takes the file
beside the public data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fulcrum.errors import InputError
from fulcrum.evals.spec import load_suite
from fulcrum.evals.store import NO_RUNS, EvalStore
from fulcrum.evals.summary import spec_scores
from fulcrum.routing.learned.data import write_rows

HEADER: tuple[str, ...] = ("id", "benchmark", "prompt", "strong_score", "weak_score")


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    run_id: str
    rows: int
    skipped: int  # specs the run has for both models but the suite no longer holds


def _run(store: EvalStore, run_id: str | None) -> tuple[str, str]:
    runs = {rid: suite for rid, suite, _ in store.runs()}
    if not runs:
        raise InputError(NO_RUNS)
    if run_id is None:
        newest = store.runs()[0]
        return newest[0], newest[1]
    if run_id not in runs:
        raise InputError(f"no eval run {run_id!r} (recorded: {', '.join(sorted(runs))})")
    return run_id, runs[run_id]


def eval_outcomes(
    db: Path,
    out: Path,
    *,
    frontier: str,
    local: str,
    run_id: str | None = None,
    suite: Path | None = None,
) -> OutcomeResult:
    """Write the rows for ``frontier`` against ``local`` in one run (default: the newest)."""
    store = EvalStore.recorded(db)
    try:
        rid, recorded_suite = _run(store, run_id)
        records = store.attempts(rid)
    finally:
        store.close()
    root = suite if suite is not None else Path(recorded_suite)
    specs = {s.id: s for s in load_suite(root)}
    strong, weak = spec_scores(records, frontier), spec_scores(records, local)
    models = sorted({r.model for r in records})
    for name in (frontier, local):
        if name not in models:
            raise InputError(f"run {rid!r} has no attempts by {name!r} (models: {models})")
    paired = sorted(set(strong) & set(weak))
    rows = [
        {
            "id": f"{rid}:{spec}",
            "benchmark": f"eval:{root.resolve().name}",
            "prompt": specs[spec].instruction,
            "strong_score": f"{strong[spec]:g}",
            "weak_score": f"{weak[spec]:g}",
        }
        for spec in paired
        if spec in specs
    ]
    if not rows:
        raise InputError(f"run {rid!r}: no spec of {root} attempted by both models")
    write_rows(out, HEADER, rows)
    return OutcomeResult(run_id=rid, rows=len(rows), skipped=len(paired) - len(rows))
