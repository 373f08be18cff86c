"""The tornado table: the recommendation's advantage with one input at a time moved."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fulcrum.costs.results import CENT, Decision


def cents(x: Any) -> str:
    """A float amount as a JSON money string (decimal, rounded to cents)."""
    return str(Decimal(repr(float(x))).quantize(CENT))


def runner_up(d: Decision) -> str:
    pool = [o for o in d.options if o.name in d.eligible and o.name != d.recommendation.name]
    pool = pool or [o for o in d.options if o.name != d.recommendation.name]
    others = sorted(pool, key=lambda o: o.total_monthly)
    return others[0].name if others else d.recommendation.name


def tornado(
    models: list[Any],
    *,
    base: dict[str, float],
    ranges: Mapping[str, tuple[float, float]],
    api: float,
    best: str,
    runner: str,
) -> list[dict[str, Any]]:
    """Advantage of ``best`` over ``runner`` with one input at a time at its low/high."""
    by_name = {m.name: m for m in models}

    def advantage(v: Mapping[str, Any]) -> float:
        if best not in by_name or runner not in by_name:
            return 0.0
        return float(by_name[runner].monthly(v, api)) - float(by_name[best].monthly(v, api))

    rows = []
    for key, (low, high) in ranges.items():
        at_low = advantage({**base, key: low})
        at_high = advantage({**base, key: high})
        rows.append(
            {
                "input": key,
                "low": low,
                "high": high,
                "at_low": at_low,
                "at_high": at_high,
                "swing": abs(at_high - at_low),
            }
        )
    return sorted(rows, key=lambda r: -float(r["swing"]))
