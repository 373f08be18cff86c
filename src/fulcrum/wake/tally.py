"""What a replay measured: wake rate, agreement, latency, and cost against the frontier.

- wake rate: decisions that woke the agent / decisions;
- agreement: events carrying a ``label`` whose decision chose it, with the Wilson 95% interval
  (:func:`fulcrum.evals.stats.wilson`);
- latency: the gateway's ``latency_ms`` of each decision, nearest-rank p50/p95/p99;
- cost: the replay's ledger rows (matched by the answers' ``id``): ``cost_usd`` summed is the
  local cost, ``counterfactual_usd`` the reference frontier model's price of the same tokens;
  ``None`` when any matched row's amount is unknown (no ``[machine]``, no price), never 0;
- projection: the per-call means at ``calls_per_day`` (the article's ~1,900 a day per agent)
  over 30 days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from fulcrum.costs.spend import DAYS_PER_MONTH
from fulcrum.evals.stats import wilson
from fulcrum.ledger.row import LedgerRow
from fulcrum.wake.replay import Result

ARTICLE_CALLS_PER_DAY = 1900
CENT = Decimal("0.000001")


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` (``None`` when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(
    results: Sequence[Result],
    rows: Mapping[str, LedgerRow],
    *,
    calls_per_day: int = ARTICLE_CALLS_PER_DAY,
    filter_name: str = "default",
) -> dict[str, Any]:
    """The replay's report as one JSON-ready object (money as decimal strings)."""
    answers = [r.answer for r in results if r.answer is not None]
    wakes = sum(1 for a in answers if a.get("wake") is True)
    latencies = [float(a.get("latency_ms", 0.0)) for a in answers]
    return {
        "kind": "fulcrum.wake.replay",
        "filter": filter_name,
        "events": len(results),
        "decided": len(answers),
        "errors": len(results) - len(answers),
        "error_samples": [f"line {r.event.line}: {r.error}" for r in results if r.error][:3],
        "wakes": wakes,
        "wake_rate": wakes / len(answers) if answers else None,
        "fallbacks": sum(1 for a in answers if a.get("fallback") is True),
        "retried": sum(1 for a in answers if int(a.get("tries", 1)) > 1),
        "agreement": _agreement(results),
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "max": max(latencies) if latencies else None,
        },
        "tokens": {
            "input": sum(int(a.get("usage", {}).get("input_tokens", 0)) for a in answers),
            "output": sum(int(a.get("usage", {}).get("output_tokens", 0)) for a in answers),
        },
        **_costs(answers, rows, calls_per_day),
    }


def _agreement(results: Sequence[Result]) -> dict[str, Any]:
    """Decided events whose expected label the decision could pick (one of the labels it
    chose from): a label outside them (another filter's set, a typo) is no disagreement, it
    is counted apart in ``outside`` and named in ``outside_labels``."""
    decided = [(r.event.label, r.answer) for r in results if r.answer and r.event.label]
    choosable = [(want, a["label"]) for want, a in decided if want in a.get("labels", (want,))]
    outside = sorted({want for want, a in decided if want not in a.get("labels", (want,))})
    agreed = sum(1 for want, got in choosable if want == got)
    lo, hi = wilson(agreed, len(choosable))
    return {
        "labelled": len(choosable),
        "agreed": agreed,
        "rate": agreed / len(choosable) if choosable else None,
        "wilson_95": [lo, hi] if choosable else None,
        "outside": len(decided) - len(choosable),
        "outside_labels": outside,
    }


def _sum(values: Sequence[Decimal | None]) -> Decimal | None:
    if not values or any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def _costs(
    answers: Sequence[dict[str, Any]], rows: Mapping[str, LedgerRow], calls_per_day: int
) -> dict[str, Any]:
    matched = [rows[a["id"]] for a in answers if a.get("id") in rows]
    local = _sum([r.cost_usd for r in matched])
    frontier = _sum([r.counterfactual_usd for r in matched])
    n = Decimal(len(matched))
    per_local = local / n if local is not None and n else None
    per_frontier = frontier / n if frontier is not None and n else None
    month = Decimal(calls_per_day) * DAYS_PER_MONTH

    def monthly(per_call: Decimal | None) -> Decimal | None:
        return None if per_call is None else per_call * month

    saving = None if local is None or frontier is None else frontier - local
    per_saving = None if per_local is None or per_frontier is None else per_frontier - per_local
    return {
        "cost": {
            "ledger_rows": len(matched),
            "local_usd": _money(local),
            "frontier_usd": _money(frontier),
            "saving_usd": _money(saving),
            "per_call_local_usd": _money(per_local),
            "per_call_frontier_usd": _money(per_frontier),
        },
        "projection": {
            "calls_per_day": calls_per_day,
            "days": int(DAYS_PER_MONTH),
            "local_usd_per_month": _money(monthly(per_local)),
            "frontier_usd_per_month": _money(monthly(per_frontier)),
            "saving_usd_per_month": _money(monthly(per_saving)),
        },
    }
