"""The replay's numbers: percentiles, agreement, and unknown costs kept unknown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fulcrum.ledger.row import LedgerRow
from fulcrum.wake.replay import Event, Result
from fulcrum.wake.tally import percentile, summarize


def result(n: int, label: str | None, got: str | None, latency: float = 10.0) -> Result:
    answer: dict[str, Any] | None = None
    if got is not None:
        answer = {"id": f"{n:032x}", "wake": got == "wake", "label": got, "tries": 1,
                  "fallback": False, "latency_ms": latency,
                  "usage": {"input_tokens": 100, "output_tokens": 10}}  # fmt: skip
    return Result(Event(n, {"event": "e"}, label), answer, None if answer else "HTTP 502", 0.01)


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (
        50.0, 95.0, 99.0,
    )  # fmt: skip
    assert percentile([7.0], 99) == 7.0 and percentile([], 50) is None


def test_agreement_counts_only_labelled_decided_events() -> None:
    results = [
        result(1, "wake", "wake"),
        result(2, "ignore", "wake"),
        result(3, None, "ignore"),
        result(4, "wake", None),
    ]
    report = summarize(results, {})
    assert (report["events"], report["decided"], report["errors"]) == (4, 3, 1)
    assert report["wake_rate"] == pytest.approx(2 / 3)
    assert report["agreement"]["labelled"] == 2 and report["agreement"]["agreed"] == 1
    assert report["error_samples"] == ["line 4: HTTP 502"]
    assert report["cost"]["local_usd"] is None and report["cost"]["ledger_rows"] == 0


def row(n: int, cost: Decimal | None, counterfactual: Decimal | None) -> LedgerRow:
    return LedgerRow(id=f"{n:032x}", cost_usd=cost, counterfactual_usd=counterfactual)


def test_one_unknown_local_cost_leaves_the_local_total_unknown_not_zero() -> None:
    results = [result(1, "wake", "wake"), result(2, "wake", "wake")]
    rows = {
        f"{1:032x}": row(1, Decimal("0.0001"), Decimal("0.002")),
        f"{2:032x}": row(2, None, Decimal("0.004")),
    }
    report = summarize(results, rows, calls_per_day=1000)
    cost, month = report["cost"], report["projection"]
    assert cost["local_usd"] is None and cost["saving_usd"] is None
    assert cost["frontier_usd"] == "0.006000"
    assert month["frontier_usd_per_month"] == "90.000000"  # 0.003 x 1,000 x 30
    assert month["local_usd_per_month"] is None
