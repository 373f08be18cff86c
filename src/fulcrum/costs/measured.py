"""Use a measured pass-rate gap (``fulcrum eval stats --export FILE``) in ``fulcrum decide``.

The eval harness compares a candidate (local) model with a reference (frontier) model on the
team's own specs. Its gap - the reference's pass rate minus the candidate's - is the share of
dispatches the local model fails that the frontier model would not: the *extra* failure rate.
With it, the decision stops relying on the benchmark-score mapping:

- local failure rate = the scenario's baseline failure rate + max(gap, 0);
- the gap's 95% interval becomes the Monte Carlo range of ``extra_failure_rate`` (unless the
  scenario sets that range itself);
- without a ``[capability]`` section, the export's own tax inputs are used (dispatches,
  rework minutes, engineer rate), with the reference model's failure rate on the suite as the
  baseline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulcrum.costs.scenario import Capability, Scenario
from fulcrum.errors import ConfigError
from fulcrum.tables import Table

KIND = "fulcrum.eval.results"
ZERO = Decimal(0)
ONE = Decimal(1)
BIG = Decimal("1e9")  # no tax input is larger


@dataclass(frozen=True, slots=True)
class MeasuredGap:
    """The paired result of one eval run, as ``fulcrum decide`` needs it."""

    run_id: str
    candidate: str
    reference: str
    candidate_rate: Decimal
    reference_rate: Decimal
    gap: Decimal
    gap_ci: tuple[Decimal, Decimal]
    n_specs: int
    mcnemar_p: float
    tax_inputs: dict[str, Decimal] | None

    def basis(self) -> str:
        lo, hi = (100 * v for v in self.gap_ci)
        return (
            f"measured: {self.candidate} vs {self.reference} on {self.n_specs} specs "
            f"(eval run {self.run_id}), gap {100 * self.gap:.1f} pts "
            f"[95% CI {lo:.1f}, {hi:.1f}], McNemar p={self.mcnemar_p:.3g}"
        )


def _tax_inputs(doc: dict[str, Any], file: str) -> dict[str, Decimal] | None:
    tax = doc.get("capability_tax")
    if not isinstance(tax, dict):
        return None
    t = Table(tax, file, "capability_tax")
    return {
        key: t.req_decimal(key, high=BIG)
        for key in ("dispatches_per_month", "rework_minutes", "engineer_usd_per_hour")
    }


def _read_json(path: Path) -> dict[str, Any]:
    file = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"not a JSON eval export ({exc})", file=file) from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise ConfigError(
            f"expected the JSON of `fulcrum eval stats --export` (kind {KIND!r})",
            file=file,
            field="kind",
        )
    return doc


def load_measured_gap(path: Path) -> MeasuredGap:
    """Read an eval export; it must compare two models (``measured_gap``)."""
    file = str(path)
    doc = _read_json(path)
    gap = doc.get("measured_gap")
    if not isinstance(gap, dict):
        raise ConfigError(
            "the export compares no two models; run the eval with a candidate and a reference",
            file=file,
            field="measured_gap",
        )
    ci = gap.get("gap_ci_95")
    if not isinstance(ci, list) or len(ci) != 2:
        raise ConfigError("expected [low, high]", file=file, field="measured_gap.gap_ci_95")
    cand, ref = (
        v if isinstance(v, dict) else {} for v in (gap.get("candidate"), gap.get("reference"))
    )
    n_specs = gap.get("n_specs")
    if not isinstance(n_specs, int) or n_specs < 1:
        raise ConfigError("expected a positive integer", file=file, field="measured_gap.n_specs")
    g = Table(gap, file, "measured_gap")
    low, high = (Table({"gap_ci_95": v}, file, "measured_gap") for v in ci)
    return MeasuredGap(
        run_id=str(doc.get("run_id", "?")),
        candidate=str(cand.get("model", "?")),
        reference=str(ref.get("model", "?")),
        candidate_rate=Table(cand, file, "measured_gap.candidate").req_decimal(
            "pass_rate", high=ONE
        ),
        reference_rate=Table(ref, file, "measured_gap.reference").req_decimal(
            "pass_rate", high=ONE
        ),
        gap=g.req_decimal("gap", low=-ONE, high=ONE),
        gap_ci=(
            low.req_decimal("gap_ci_95", low=-ONE, high=ONE),
            high.req_decimal("gap_ci_95", low=-ONE, high=ONE),
        ),
        n_specs=n_specs,
        mcnemar_p=float(g.req_decimal("mcnemar_p", high=ONE)),
        tax_inputs=_tax_inputs(doc, file),
    )


def _capability_from_export(sc: Scenario, m: MeasuredGap, file: str) -> Capability:
    if m.tax_inputs is None:
        raise ConfigError(
            "the scenario has no [capability] section and the export no capability_tax; add "
            "[capability] with dispatches_per_day, baseline_failure_rate and rework_minutes",
            file=file,
            field="capability_tax",
        )
    return Capability(
        dispatches_per_day=m.tax_inputs["dispatches_per_month"] / sc.days_per_month,
        baseline_failure_rate=ONE - m.reference_rate,
        rework_minutes=m.tax_inputs["rework_minutes"],
        engineer_rate=m.tax_inputs["engineer_usd_per_hour"],
        frontier_score=None,
        local_score=None,
        mapping="linear",
        local_failure_rate=None,
    )


def apply_measured_gap(sc: Scenario, m: MeasuredGap, file: str) -> Scenario:
    """``sc`` with its capability tax driven by the measured gap ``m``."""
    cap = sc.capability or _capability_from_export(sc, m, file)
    local = min(cap.baseline_failure_rate + max(m.gap, ZERO), ONE)
    cap = replace(cap, local_failure_rate=local, basis=m.basis())
    sections = dict(sc.sections)
    ranges = dict(sections.get("uncertainty") or {})
    ranges.setdefault("extra_failure_rate", [float(max(v, ZERO)) for v in m.gap_ci])
    sections["uncertainty"] = ranges
    return replace(sc, capability=cap, sections=sections)


def _matches(candidate: str, model: str) -> bool:
    return candidate == model or candidate.endswith("/" + model)


def apply_measured_gaps(sc: Scenario, gaps: list[tuple[MeasuredGap, str]]) -> Scenario:
    """Several exports: each gap applies to the options whose ``local_model`` is its candidate.

    One export whose candidate names no option's model keeps the single-gap behaviour (it
    applies to every local option)."""
    models = {o.local_model for o in sc.options if o.local_model}
    if len(gaps) == 1 and not any(_matches(gaps[0][0].candidate, m) for m in models):
        return apply_measured_gap(sc, *gaps[0])
    cap = sc.capability or _capability_from_export(sc, gaps[0][0], gaps[0][1])
    per_model: dict[str, Decimal] = {}
    bases, lows, highs = [], [], []
    for m, file in gaps:
        hits = [x for x in sorted(models) if _matches(m.candidate, x)]
        if not hits:
            raise ConfigError(
                f"candidate {m.candidate!r} runs no option; accepted: one of the options' "
                f"local_model ({', '.join(sorted(models))})",
                file=file,
                field="measured_gap.candidate",
            )
        for model in hits:
            per_model[model] = min(cap.baseline_failure_rate + max(m.gap, ZERO), ONE)
        bases.append(m.basis())
        lows.append(max(m.gap_ci[0], ZERO))
        highs.append(max(m.gap_ci[1], ZERO))
    cap = replace(cap, per_model=per_model, basis="; ".join(bases))
    sections = dict(sc.sections)
    ranges = dict(sections.get("uncertainty") or {})
    ranges.setdefault("extra_failure_rate", [float(min(lows)), float(max(highs))])
    sections["uncertainty"] = ranges
    return replace(sc, capability=cap, sections=sections)
