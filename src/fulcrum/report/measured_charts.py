"""Charts of what was measured: pass rates, daily spend, local share, probe curves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fulcrum.report.svg import figure, mark, to_svg
from fulcrum.words import plural


def pass_rates(models: list[dict[str, Any]], gap: dict[str, Any] | None) -> str:
    """Pass rate per model with its Wilson 95% interval; the paired gap with its interval."""
    names = [m["model"] for m in models]
    rates = [100 * float(m["pass_rate"]) for m in models]
    lo = [r - 100 * float(m["wilson_95"][0]) for r, m in zip(rates, models, strict=True)]
    hi = [100 * float(m["wilson_95"][1]) - r for r, m in zip(rates, models, strict=True)]
    with figure(height=3.0) as (fig, ax):
        bars = ax.bar(names, rates, yerr=[lo, hi], capsize=6, color="#4c72b0")
        mark(list(bars), "passrates", 0)
        ax.set_ylim(0, 100)
        ax.set_ylabel("pass rate (%)")
        caption = "Pass rates with Wilson 95% intervals"
        if gap is not None:
            g_lo, g_hi = (100 * float(v) for v in gap["gap_ci_95"])
            caption += (
                f"; paired gap {100 * float(gap['gap']):.1f} points "
                f"(95% CI {g_lo:.1f} to {g_hi:.1f}, McNemar p = {float(gap['mcnemar_p']):.3f})"
            )
        return to_svg(fig, "passrates", caption)


MAX_DAY_LABELS = 15  # more day labels than this overlap at the chart's width


def _day_axis(ax: Any, labels: list[str]) -> None:
    """Days at 0..n-1, at most ``MAX_DAY_LABELS`` of them labelled (the last one always)."""
    step = max(1, math.ceil(len(labels) / MAX_DAY_LABELS))
    ticks = list(range(len(labels) - 1, -1, -step))[::-1]
    ax.set_xticks(ticks, [labels[i] for i in ticks])
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)


def daily_spend(
    days: Sequence[tuple[str, float | None]], mean: float | None, p95: float | None
) -> str:
    """Spend per UTC day with the mean and the 95th percentile; a day whose calls all have an
    unknown cost gets no bar (never a $0 one) and is counted in the caption."""
    known = [(i, v) for i, (_, v) in enumerate(days) if v is not None]
    with figure(height=3.0) as (fig, ax):
        drawn = ax.bar([i for i, _ in known], [v for _, v in known], color="#55a868")
        mark(list(drawn), "dailyspend", 0)
        if mean is not None:
            ax.axhline(mean, color="black", linestyle="--", linewidth=1, label=f"mean ${mean:,.2f}")
        if p95 is not None:
            ax.axhline(p95, color="#c44e52", linestyle=":", linewidth=1, label=f"p95 ${p95:,.2f}")
        ax.set_ylabel("USD per day")
        _day_axis(ax, [d for d, _ in days])
        if mean is not None or p95 is not None:
            ax.legend(fontsize=7)
        unknown = len(days) - len(known)
        caption = f"Daily spend over {plural(len(days), 'day')}" + (
            f"; {plural(unknown, 'day')} of unknown cost not drawn" if unknown else ""
        )
        return to_svg(fig, "dailyspend", caption)


def local_share(days: Sequence[tuple[str, float | None]], target: float | None) -> str:
    """Share of calls served locally per day, against the brain's target; a day without calls
    has no share (a gap in the line, not 0%)."""
    with figure(height=3.0) as (fig, ax):
        ys = [math.nan if v is None else 100 * v for _, v in days]
        mark(ax.plot(range(len(days)), ys, "o-", color="#8172b2"), "localshare", 0)
        if target is not None:
            ax.axhline(100 * target, color="black", linestyle="--", linewidth=1,
                       label=f"target {100 * target:.0f}%")  # fmt: skip
            ax.legend(fontsize=7)
        ax.set_ylim(0, 100)
        ax.set_ylabel("local share of calls (%)")
        _day_axis(ax, [d for d, _ in days])
        return to_svg(fig, "localshare", "Local share of calls per day (a gap: no calls)")


def probe_curves(run: dict[str, Any]) -> str:
    """Aggregate tokens/s and p50 latency against concurrency, the model's decode beside them."""
    rows = run["result"]["concurrency"]
    cs = [r["concurrency"] for r in rows]
    with figure(height=3.2) as (fig, ax):
        tps = [r["aggregate_tokens_per_s"] or 0.0 for r in rows]
        mark(ax.plot(cs, tps, "o-", label="measured tokens/s (all streams)"), "probe", 0)
        rates = ((run.get("prediction") or {}).get("rates") or {}).get("decode_tokens_per_s")
        predicted = (rates or {}).get("predicted")
        if predicted:
            ax.axhline(predicted, color="grey", linestyle="--", linewidth=1,
                       label=f"model: one stream {predicted:.1f} tokens/s")  # fmt: skip
        ax.set_xlabel("concurrent requests")
        ax.set_ylabel("tokens/s")
        right = ax.twinx()
        lat = [(r["latency_s"] or {}).get("p50") or 0.0 for r in rows]
        mark(right.plot(cs, lat, "s:", color="#c44e52", label="p50 latency (s)"), "probe", 1)
        right.set_ylabel("p50 latency (s)")
        ax.legend(fontsize=7, loc="upper left")
        right.legend(fontsize=7, loc="lower right")
        caption = f"Probe {run['run_id']} of {run['model']} at {run['url']}"
        return to_svg(fig, "probe", caption)
