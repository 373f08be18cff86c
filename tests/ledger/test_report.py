from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from fulcrum.ledger.report import build_report, merge, p95
from fulcrum.ledger.store import Aggregate

START = date(2026, 3, 1)


def agg(
    day: date,
    cost: Decimal | None,
    *,
    kind: str = "api",
    calls: int = 1,
    tokens: int = 100,
    group: str | None = None,
    unknown: int = 0,
    counterfactual: Decimal | None = Decimal(1),
) -> Aggregate:
    saving = None if cost is None or counterfactual is None else counterfactual - cost
    return Aggregate(
        day=day,
        group=group,
        backend_kind=kind,
        calls=calls,
        input_tokens=tokens,
        output_tokens=0,
        cache_read_tokens=0,
        cache_write_tokens=0,
        cost_usd=cost,
        cost_unknown=calls if cost is None else unknown,
        counterfactual_usd=counterfactual,
        counterfactual_unknown=0,
        saving_usd=saving,
        saving_unknown=calls if saving is None else unknown,
    )


def test_p95_is_nearest_rank() -> None:
    values = [Decimal(v) for v in range(1, 21)]
    assert p95(values) == Decimal(19)
    assert p95([Decimal(5)]) == Decimal(5)
    assert p95(list(reversed(values))) == Decimal(19)
    assert p95([]) is None


def test_days_are_zero_filled_and_counted_in_mean_and_p95() -> None:
    aggregates = [agg(START, Decimal(10)), agg(START + timedelta(days=3), Decimal(30))]
    report = build_report(aggregates)
    assert [b.key for b in report.days] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert [b.cost_usd for b in report.days] == [Decimal(10), 0, 0, Decimal(30)]
    assert report.mean_daily_usd == Decimal(10)
    assert report.p95_daily_usd == Decimal(30)
    assert report.total.cost_usd == Decimal(40)
    assert report.groups == []


def test_unknown_costs_are_not_zero() -> None:
    aggregates = [
        agg(START, None, calls=3),
        agg(START + timedelta(days=1), Decimal(2), unknown=1, calls=4),
    ]
    report = build_report(aggregates)
    first, second = report.days
    assert first.cost_usd is None
    assert first.cost_unknown == 3
    assert second.cost_usd == Decimal(2)
    assert second.cost_unknown == 1
    assert report.mean_daily_usd == Decimal(2)  # only the day with a known spend
    assert report.days_with_unknown_cost == 2
    assert report.total.cost_usd == Decimal(2)
    assert report.total.cost_unknown == 4
    assert report.as_dict()["days"][0]["cost_usd"] is None


def test_local_share_by_calls_and_tokens_and_groups() -> None:
    aggregates = [
        agg(START, Decimal("0.5"), kind="local", calls=3, tokens=100, group="qwen"),
        agg(START, Decimal(2), kind="api", calls=1, tokens=300, group="sonnet"),
    ]
    report = build_report(aggregates, by="model")
    assert report.total.local_share_calls == 0.75
    assert report.total.local_share_tokens == 0.25
    assert [g.key for g in report.groups] == ["sonnet", "qwen"]  # biggest spend first
    assert report.groups[1].local_share_calls == 1.0
    assert report.total.saving_usd == Decimal("-0.5")
    assert merge("empty", []).cost_usd == Decimal(0)
    assert merge("empty", []).local_share_calls is None
