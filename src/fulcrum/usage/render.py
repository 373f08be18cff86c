"""Put a usage report on the terminal (rich tables, 80 columns), in JSON and in CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from fulcrum.textfiles import write_output
from fulcrum.usage.report import Totals, UsageReport

CENT = Decimal("0.01")
TENTH_CENT = Decimal("0.0001")
TOKEN_COLUMNS = ("input", "output", "cache write", "cache read")
HEADERS = ("in", "out", "c.write", "c.read")
UNKNOWN_NOTE = "+N?: N calls with no known price, not in the dollar figure"


def usd(amount: Decimal | None, unknown: int = 0) -> str:
    """Dollars to the cent (a tenth of a cent below $1); ``+N?`` marks unpriced calls."""
    if amount is None:
        return "unknown"
    text = f"${amount.quantize(CENT if abs(amount) >= 1 else TENTH_CENT):,}"
    return f"{text} +{unknown}?" if unknown else text


# (shown from, unit, suffix): below 10,000 a count is shown whole
SHORT_UNITS = (
    (1_000_000_000, 1_000_000_000, "G"),
    (1_000_000, 1_000_000, "M"),
    (10_000, 1_000, "k"),
)


def short(n: int) -> str:
    """A token count in a few characters: 9,999 / 20.0k / 1.5M / 2.0G."""
    for start, unit, suffix in SHORT_UNITS:
        if n >= start:
            return f"{n / unit:.1f}{suffix}"
    return f"{n:,}"


def _tokens(t: Totals) -> list[int]:
    return [t.input_tokens, t.output_tokens, t.cache_write_tokens, t.cache_read_tokens]


def _table(title: str, first: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    table.add_column(first, overflow="fold", min_width=16, max_width=36)
    for name in ("calls", *HEADERS, "cost"):
        table.add_column(name, justify="right", no_wrap=True)
    return table


def _row(key: str, t: Totals) -> list[str]:
    return [key, f"{t.calls:,}", *map(short, _tokens(t)), usd(t.cost, t.unknown)]


def _buckets(t: Totals) -> str:
    if not t.buckets:
        return ""
    return f" + {t.buckets:,} export buckets (provider totals; calls counted where given)"


def summary_lines(report: UsageReport) -> list[str]:
    t = report.total
    mix = ", ".join(
        f"{name} {short(n)} ({n / t.tokens:.1%})"
        for name, n in zip(TOKEN_COLUMNS, _tokens(t), strict=True)
    )
    lines = [
        f"usage {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC: "
        f"{t.calls:,} calls{_buckets(t)}, API-equivalent {usd(t.cost, t.unknown)}",
        f"daily over {len(report.days)} days: mean {usd(report.mean_daily_usd)}, "
        f"p95 {usd(report.p95_daily_usd)}, max {usd(report.max_daily_usd)}",
        f"token mix: {mix}",
    ]
    if report.unknown_models:
        lines.append(
            f"no price for {t.unknown} records (models: {', '.join(report.unknown_models)}); "
            "their cost is unknown and not in the dollar figures"
        )
    return lines


def render(console: Console, report: UsageReport) -> None:
    if not report.total.records:
        console.print("no usage in this window; import some with `fulcrum usage import`")
        return
    for line in summary_lines(report):
        console.print(line, highlight=False)
    groups = _table(f"by {report.by}", report.by)
    for key, t in report.groups.items():
        groups.add_row(*_row(key, t))
    console.print(groups)
    if report.blocks:  # export buckets have none
        blocks = _table("5-hour blocks (UTC)", "start")
        for b in report.blocks:
            blocks.add_row(*_row(f"{b.start:%Y-%m-%d %H:%M}", b.totals))
        console.print(blocks)
    if report.unknown_models:
        console.print(UNKNOWN_NOTE, highlight=False)


def as_dict(report: UsageReport) -> dict[str, object]:
    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "by": report.by,
        "total": report.total.as_dict(),
        "daily": {
            "days": len(report.days),
            "mean_usd": money(report.mean_daily_usd),
            "p95_usd": money(report.p95_daily_usd),
            "max_usd": money(report.max_daily_usd),
            "days_with_unknown_price": report.days_with_unknown,
        },
        "unknown_price_models": report.unknown_models,
        "groups": [{report.by: k, **t.as_dict()} for k, t in report.groups.items()],
        "days": [{"day": d.isoformat(), **t.as_dict()} for d, t in report.days.items()],
        "blocks": [
            {"start": b.start.isoformat(), "end": b.end.isoformat(), **b.totals.as_dict()}
            for b in report.blocks
        ],
    }


def write_csv(report: UsageReport, path: Path) -> None:
    """The grouped table, one row per group, exact token counts and Decimal dollars."""
    fields = [report.by, *Totals().as_dict()]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for key, t in report.groups.items():
        writer.writerow({report.by: key, **t.as_dict()})
    write_output("--csv", path, out.getvalue())
