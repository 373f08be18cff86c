"""The decision's charts: cumulative cost with break-even, cost against agents, the Monte Carlo
distribution and the tornado. Each returns an inline SVG ``<figure>`` (:mod:`.svg`)."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

import numpy as np

from fulcrum.report.series import BreakEven, Line, money
from fulcrum.report.svg import figure, mark, plain_amounts, to_svg


def month(m: float) -> str:
    """A break-even month to one decimal; one within the first tenth says so, not "0.0"."""
    return f"{m:.1f}" if m >= 0.05 else "under 0.1"


def cumulative(lines: list[Line], evens: list[BreakEven], months: float) -> str:
    """Cash spent since month 0 per option over the horizon; break-even points marked."""
    xs = np.linspace(0.0, months, 121)
    with figure() as (fig, ax):
        for i, line in enumerate(lines):
            name, style = (
                (line.name, "-") if line.eligible else (f"{line.name} (not eligible)", "--")
            )
            drawn = ax.plot(xs, [line.at(x) for x in xs], style, label=name, linewidth=1.6)
            mark(drawn, "cumulative", i)
        for i, be in enumerate(evens):
            dot = ax.plot([be.month], [be.usd], "o", color="black", markersize=5)
            mark(dot, "cumulative-even", i)
            ax.annotate(f"break-even {month(be.month)} mo", (be.month, be.usd),
                        textcoords="offset points", xytext=(6, -12), fontsize=8)  # fmt: skip
        ax.set_xlabel("months")
        ax.set_ylabel("cumulative cash (USD)")
        plain_amounts(ax.yaxis)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
        caption = "Cumulative cash per option over the horizon; " + (
            "; ".join(
                f"{b.option} breaks even with the API at month {month(b.month)}" for b in evens
            )
            or "no machine that can serve the load breaks even with the API within the horizon"
        )
        return to_svg(fig, "cumulative", caption)


def agents(sweep: dict[str, Any], current: int) -> str:
    """Monthly total cost of every option against the number of agents."""
    xs = [float(r["value"]) for r in sweep["rows"]]
    with figure() as (fig, ax):
        for i, name in enumerate(sweep["options"]):
            at = [{o["id"]: o for o in r["options"]}.get(name) for r in sweep["rows"]]
            ys = [float("nan") if o is None else float(o["total_monthly"]) for o in at]
            label = next((o["name"] for o in at if o is not None), name)
            mark(ax.plot(xs, ys, label=label, linewidth=1.6), "agents", i)
        ax.axvline(current, color="grey", linestyle=":", linewidth=1)
        for i, c in enumerate(sweep["crossings"]):
            mark(
                ax.axvline(float(c["at"]), color="black", alpha=0.25, linewidth=0.8), "agents-x", i
            )
        ax.set_xlabel("agents")
        ax.set_ylabel("monthly cost incl. capability tax (USD)")
        plain_amounts(ax.yaxis)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
        points = "; ".join(f"{c['options']} cross at {c['at']} agents" for c in sweep["crossings"])
        caption = f"Monthly cost against agents (dotted: today's {current}). " + (
            points or "No two options cross in this range."
        )
        return to_svg(fig, "agents", caption)


def distribution(draws: dict[str, Any], quantiles: dict[str, Any]) -> str:
    """A histogram of each option's monthly cost over the Monte Carlo draws."""
    with figure() as (fig, ax):
        stacked = np.concatenate([np.asarray(v) for v in draws.values()])
        bins = np.linspace(float(stacked.min()), float(stacked.max()) or 1.0, 60)
        for i, (name, values) in enumerate(draws.items()):
            _, _, patches = ax.hist(values, bins=bins, alpha=0.45, label=name)
            mark(list(patches), "montecarlo", i)
        ax.set_xlabel("monthly cost (USD)")
        plain_amounts(ax.xaxis)
        ax.set_ylabel("draws")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        parts = [
            f"{k}: " + ", ".join(f"{p} {money(Decimal(q[p]))}" for p in ("p10", "p50", "p90"))
            for k, q in quantiles.items()
        ]
        return to_svg(fig, "montecarlo", "Monte Carlo monthly cost; " + "; ".join(parts))


def tornado(rows: list[dict[str, Any]], metric: str) -> str:
    """The recommendation's monthly advantage with one input at a time at its low and high."""
    rows = rows[:10][::-1]
    height = max(2.2, 0.45 * len(rows) + 1.2)
    with figure(height=height) as (fig, ax):
        ys = np.arange(len(rows))
        lows = [float(r["at_low"]) for r in rows]
        highs = [float(r["at_high"]) for r in rows]
        left = [min(a, b) for a, b in zip(lows, highs, strict=True)]
        width = [abs(b - a) for a, b in zip(lows, highs, strict=True)]
        mark(ax.barh(ys, width, left=left, color="#4c72b0", alpha=0.8), "tornado", 0)
        mark(ax.plot(lows, ys, "o", color="#4c72b0", label="input at its low"), "tornado", 1)
        mark(ax.plot(highs, ys, "s", color="#dd8452", label="input at its high"), "tornado", 2)
        ax.set_yticks(ys, [f"{r['input']} [{r['low']:g}, {r['high']:g}]" for r in rows])
        ax.axvline(0, color="black", linewidth=0.8)  # left of it the runner-up is cheaper
        ax.set_xlabel(textwrap.fill(f"{metric}, USD/month", 80))
        plain_amounts(ax.xaxis)
        ax.legend(fontsize=7)
        top = rows[-1] if rows else None
        caption = "Sensitivity: " + (
            f"{top['input']} moves the advantage most ({money(float(top['swing']))}/month "
            "swing); left of 0 the runner-up would be cheaper"
            if top
            else "no ranged inputs"
        )
        return to_svg(fig, "tornado", caption)
