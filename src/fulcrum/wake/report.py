"""The replay's report as text: the object :func:`fulcrum.wake.tally.summarize` builds."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _usd(value: str | None) -> str:
    if value is None:
        return "unknown"
    amount = float(value)
    return f"${amount:,.2f}" if abs(amount) >= 1 else f"${amount:.6f}"


def render(report: dict[str, Any], console: Console) -> None:
    decided, events = report["decided"], report["events"]
    table = Table(title=f"Wake-filter replay: filter {report['filter']}", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("events / decided", f"{events} / {decided}")
    table.add_row("wake rate", f"{_pct(report['wake_rate'])} ({report['wakes']} woke)")
    table.add_row("fallback decisions", str(report["fallbacks"]))
    table.add_row("retried (invalid output)", str(report["retried"]))
    agreement = report["agreement"]
    if agreement["labelled"]:
        lo, hi = agreement["wilson_95"]
        table.add_row(
            "agreement with labels",
            f"{_pct(agreement['rate'])} ({agreement['agreed']}/{agreement['labelled']}; "
            f"95% {_pct(lo)} - {_pct(hi)})",
        )
    else:
        table.add_row("agreement with labels", "no labelled event decided")
    if agreement["outside"]:
        names = ", ".join(agreement["outside_labels"])
        table.add_row("labels the filter lacks", f"{agreement['outside']} events ({names})")
    latency = report["latency_ms"]
    table.add_row(
        "latency p50 / p95 / p99",
        f"{_ms(latency['p50'])} / {_ms(latency['p95'])} / {_ms(latency['p99'])}",
    )
    tokens = report["tokens"]
    table.add_row("tokens in / out", f"{tokens['input']:,} / {tokens['output']:,}")
    cost, projection = report["cost"], report["projection"]
    table.add_row("ledger rows found", f"{cost['ledger_rows']} of {decided}")
    table.add_row("local cost", _usd(cost["local_usd"]))
    table.add_row("frontier-equivalent cost", _usd(cost["frontier_usd"]))
    table.add_row("saving", _usd(cost["saving_usd"]))
    per_month = f"{projection['calls_per_day']:,}/day x {projection['days']} d"
    table.add_row(f"local per month ({per_month})", _usd(projection["local_usd_per_month"]))
    table.add_row("frontier per month", _usd(projection["frontier_usd_per_month"]))
    table.add_row("saving per month", _usd(projection["saving_usd_per_month"]))
    console.print(table)
    for sample in report["error_samples"]:
        console.print(f"[red]error[/red] {sample}")
    if cost["ledger_rows"] < decided:
        console.print(
            "costs cover only the calls whose ledger rows were found: give --ledger-url "
            "(the gateway's ledger) or run with --config"
        )
