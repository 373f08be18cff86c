"""From recorded attempts to per-model and per-pair summaries and the capability tax.

Attempts recorded as ``error`` (the upstream or agent failed; nothing was judged) are not
results: they are left out of pass rates, times and pairs, and counted in ``errors``.
Per model: pass rate over attempts with a result, with a Wilson 95% interval, time per attempt,
tokens (all attempts), and the cost the gateway's ledger metered for the run's sessions (``None``
when unmetered/unpriced).
Per pair (candidate = the local model, reference = the frontier one), on the specs both have a
result for: each spec's score is its pass rate over the epochs with a result; McNemar counts a
spec as passed when it passed in more than half its epochs; the gap is ``reference −
candidate`` (positive: the candidate fails more), with a cluster bootstrap interval by spec group.

The capability tax in $/month = gap × dispatches per month × rework minutes ÷ 60 × engineer
$/hour (the seeds' "100 dispatches × 0.20 × 10 min × $100/h"), also at the interval's ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from fulcrum.costs.capability import capability_tax
from fulcrum.errors import InputError
from fulcrum.evals import stats
from fulcrum.evals.store import AttemptRecord, session_id

CENT = Decimal("0.01")
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class ModelSummary:
    model: str
    specs: int
    attempts: int
    passed: int
    pass_rate: float
    wilson_95: tuple[float, float]
    mean_seconds: float
    input_tokens: int
    output_tokens: int
    statuses: dict[str, int]
    cost_usd: Decimal | None = None  # from the gateway's ledger; None = unmetered or unpriced
    metered_calls: int = 0
    errors: int = 0  # ``error`` attempts: not in ``attempts`` nor the rates


def results(records: list[AttemptRecord]) -> list[AttemptRecord]:
    """The attempts with a result (``error`` rows are retried, not judged)."""
    return [r for r in records if r.status != "error"]


@dataclass(frozen=True, slots=True)
class PairSummary:
    candidate: str
    reference: str
    n_specs: int
    candidate_rate: float
    reference_rate: float
    candidate_only: int  # b: specs only the candidate passes
    reference_only: int  # c: specs only the reference passes
    mcnemar_p: float
    gap: float
    gap_ci_95: tuple[float, float]
    min_detectable_gap: float
    warning: str | None


@dataclass(frozen=True, slots=True)
class TaxInputs:
    dispatches_per_month: Decimal
    rework_minutes: Decimal
    usd_per_hour: Decimal


@dataclass(frozen=True, slots=True)
class CapabilityTax:
    inputs: TaxInputs
    usd_per_month: Decimal
    usd_per_month_ci_95: tuple[Decimal, Decimal]


Costs = dict[str, tuple[Decimal | None, int]]  # ledger session -> (cost, calls)


def _cost(mine: list[AttemptRecord], run_id: str, costs: Costs) -> tuple[Decimal | None, int]:
    total: Decimal | None = Decimal(0)
    calls = 0
    for r in mine:
        cost, n = costs.get(session_id(run_id, r.model, r.spec_id, r.epoch), (Decimal(0), 0))
        calls += n
        total = None if total is None or cost is None else total + cost
    return (total if calls else None), calls


def summarize_model(
    records: list[AttemptRecord], model: str, run_id: str = "", costs: Costs | None = None
) -> ModelSummary:
    mine = [r for r in records if r.model == model]
    if not mine:
        raise InputError(f"no attempts recorded for model {model!r}")
    judged = results(mine)
    n = len(judged)
    passed = sum(r.passed for r in judged)
    statuses: dict[str, int] = defaultdict(int)
    for r in mine:
        statuses[r.status] += 1
    cost, calls = _cost(mine, run_id, costs or {})
    return ModelSummary(
        model=model, specs=len({r.spec_id for r in judged}), attempts=n, passed=passed,
        pass_rate=passed / n if n else 0.0, wilson_95=stats.wilson(passed, n),
        mean_seconds=sum(r.duration_s for r in judged) / n if n else 0.0,
        input_tokens=sum(r.input_tokens for r in mine),
        output_tokens=sum(r.output_tokens for r in mine), statuses=dict(statuses),
        cost_usd=cost, metered_calls=calls, errors=len(mine) - n,
    )  # fmt: skip


def spec_scores(records: list[AttemptRecord], model: str) -> dict[str, float]:
    """Each spec's pass rate over its epochs with a result for ``model``."""
    tally: dict[str, list[bool]] = defaultdict(list)
    for r in results(records):
        if r.model == model:
            tally[r.spec_id].append(r.passed)
    return {spec: sum(v) / len(v) for spec, v in tally.items()}


def summarize_pair(records: list[AttemptRecord], candidate: str, reference: str) -> PairSummary:
    cand, ref = spec_scores(records, candidate), spec_scores(records, reference)
    common = sorted(set(cand) & set(ref))
    if not common:
        raise InputError(f"models {candidate!r} and {reference!r} share no spec with a result")
    groups = {r.spec_id: r.spec_group or r.spec_id for r in records}
    a = [cand[s] for s in common]
    b = [ref[s] for s in common]
    cand_only = sum(x > 0.5 >= y for x, y in zip(a, b, strict=True))
    ref_only = sum(y > 0.5 >= x for x, y in zip(a, b, strict=True))
    gap, lo, hi = stats.bootstrap_diff(a, b, [groups[s] for s in common])
    n = len(common)
    return PairSummary(
        candidate=candidate, reference=reference, n_specs=n,
        candidate_rate=sum(a) / n, reference_rate=sum(b) / n,
        candidate_only=cand_only, reference_only=ref_only,
        mcnemar_p=stats.mcnemar_exact(cand_only, ref_only), gap=gap, gap_ci_95=(lo, hi),
        min_detectable_gap=stats.min_detectable_gap(n, (cand_only + ref_only) / n or None),
        warning=stats.small_suite_warning(n),
    )  # fmt: skip


def _monthly(gap: float, t: TaxInputs) -> Decimal:
    """One month of the gap's rework, through the cost engine's one capability-tax formula
    (a month's dispatches over a one-day "month"); the gap exact, rounding only the dollars."""
    extra = Decimal(repr(gap))
    tax = capability_tax(t.dispatches_per_month, extra, t.rework_minutes, t.usd_per_hour, ONE)
    return tax.monthly.quantize(CENT)


def pair_tax(pair: PairSummary, inputs: TaxInputs) -> CapabilityTax:
    """Engineer dollars a month lost to the candidate's extra failed dispatches, with the
    gap's 95% interval (:func:`fulcrum.costs.capability.capability_tax` per end)."""
    for name, value in (("dispatches_per_month", inputs.dispatches_per_month),
                        ("rework_minutes", inputs.rework_minutes),
                        ("usd_per_hour", inputs.usd_per_hour)):  # fmt: skip
        if value < 0:
            raise InputError(f"{name} must be >= 0, got {value}")
    lo, hi = pair.gap_ci_95
    return CapabilityTax(
        inputs, _monthly(pair.gap, inputs), (_monthly(lo, inputs), _monthly(hi, inputs))
    )
