"""Rich tables for ``fulcrum decide`` (``fulcrum tco``'s are in :mod:`.render_tco`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fulcrum.costs.results import Decision, OptionResult


def usd(value: Decimal | float) -> str:
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.0f}"


def _tax_cell(o: OptionResult) -> str:
    return usd(o.capability_tax_monthly) if o.tax_assessed else "not assessed"


def render_decision(console: Console, d: Decision, mc: dict[str, Any] | None) -> None:
    rec = d.recommendation
    console.print(f"[bold]{escape(d.scenario)}[/bold]")
    console.print(
        f"Recommendation: [bold green]{escape(rec.name)}[/bold green] ({rec.kind}) - "
        f"{usd(rec.total_monthly)}/month including capability tax"
    )
    for w in d.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")
    table = Table(title="Options (per month)")
    for col in ("option", "kind", "money", "tax", "total", "eligible"):
        left = col in ("option", "kind")
        table.add_column(col, justify="left" if left else "right", overflow="fold")
    for o in sorted(d.options, key=lambda o: o.total_monthly):
        mark = " *" if o is rec else ""
        boxes = f" ({o.boxes} boxes)" if o.boxes > 1 else ""
        table.add_row(
            escape(o.name) + boxes + mark,
            o.kind,
            usd(o.money_monthly),
            _tax_cell(o),
            usd(o.total_monthly),
            "yes" if o.eligible else "no",
        )
    console.print(table)
    console.print("* recommended; tax = capability tax (engineer rework time)")
    for o in d.options:
        for r in o.why_not:
            console.print(
                f"  not eligible: {escape(o.name)}: {r.id}: {escape(r.text)} ({escape(r.evidence)})"
            )
    console.print(f"Capability tax basis: {escape(d.capability_basis)}")
    _render_rules(console, d)
    _render_economics(console, d)
    _render_speed(console, d)
    if d.wake_filter is not None:
        wf = d.wake_filter
        console.print(
            f"Wake-filter: {usd(wf.api_per_agent.monthly)}/month per agent on the API, "
            f"{usd(wf.api_fleet.monthly)} for the fleet, vs "
            f"${wf.local_energy_fleet.monthly:,.2f} of electricity locally"
        )
    if mc is not None:
        render_uncertainty(console, mc)
    console.print(reevaluate_line(d.reevaluate_on, date.today()))


def reevaluate_line(due: date, today: date) -> str:
    """The re-evaluation date; one already past says so (the scenario's inputs are stale)."""
    if due < today:
        return (
            f"Re-evaluate: [bold]overdue[/bold] since {due.isoformat()} "
            f"({(today - due).days} days; refresh the scenario's inputs and as_of)"
        )
    return f"Re-evaluate on [bold]{due.isoformat()}[/bold]"


def _render_rules(console: Console, d: Decision) -> None:
    rules = Table(title="Rules fired")
    rules.add_column("rule", no_wrap=True)  # ids are never cut
    rules.add_column("why", overflow="fold", ratio=1)
    rules.add_column("evidence", overflow="fold", ratio=1)
    for r in d.rules:
        rules.add_row(r.id, escape(r.text), escape(r.evidence))
    console.print(rules)
    signals = Table(title="Flip signals (checked against the catalog)")
    signals.add_column("signal")
    signals.add_column("met")
    signals.add_column("evidence")
    for s in d.signals:
        signals.add_row(s.text, "yes" if s.met else "no", escape(s.evidence))
    console.print(signals)


ECONOMICS_NOTE = (
    "boxes: machines the agents' traffic needs (same count in every table); "
    "machine/mo: TCO per month for all boxes; per dev: machine/mo / agents (a shared box); "
    "break-even: first month the "
    "cumulative local cost (upfront + running) is at or below the cumulative API bill; "
    "payback: upfront / monthly API bill in months (the seeds' simple payback, ignores "
    "running costs); agents: agents whose API bill equals machine/mo"
)


def _render_economics(console: Console, d: Decision) -> None:
    rows = [o for o in d.options if o.kind == "local"]
    if not rows:
        return
    table = Table(title="Break-even against the API spend")
    for col in ("option", "boxes", "machine/mo", "per dev", "break-even", "payback", "agents"):
        table.add_column(col, justify="left" if col == "option" else "right")
    for o in rows:
        det = o.detail
        table.add_row(
            escape(o.name),
            str(o.boxes),
            usd(o.money_monthly),
            usd(Decimal(det["per_developer_monthly"])),
            det["break_even_month"] or "never",
            det["payback_months"] or "-",
            det["cost_equivalence_agents"] or "-",
        )
    console.print(table)
    console.print(ECONOMICS_NOTE)


def _speed_row(o: OptionResult) -> list[str]:
    det = o.detail
    if "decode_tokens_per_s" not in det:
        need = det.get("memory_needed_bytes")
        fit = "does not fit" if det["fits"] is False else "fit not assessed"
        gb = "" if need is None else f" ({need / 1e9:,.0f} GB)"
        return [escape(o.name), fit + gb, "-", "-", "-", "-", "-"]
    one = det.get("one_box_latency_s")
    return [
        escape(o.name),
        str(det["decode_tokens_per_s"]),
        str(det.get("prefill_tokens_per_s") or "-"),
        str(det["call_latency_s"]),
        f"{det['one_box_utilisation']:.0%}",
        "saturated" if one is None else str(one),
        str(o.boxes) if det["meets_latency_target"] else "none meet",
    ]


def _render_speed(console: Console, d: Decision) -> None:
    rows = [o for o in d.options if o.kind == "local" and "fits" in o.detail]
    if not rows:
        return
    table = Table(title="Local speed and queueing (throughput model, M/M/c)")
    for col in ("option", "decode/s", "prefill/s", "call s", "1 box util", "1 box s", "boxes"):
        table.add_column(col, justify="left" if col == "option" else "right")
    for o in rows:
        table.add_row(*_speed_row(o))
    console.print(table)
    console.print(
        "call s: one call's prefill + decode; 1 box util/s: load and mean latency if all "
        "agents shared one box; boxes: the fewest that meet the target latency"
    )


FRAGILE = 0.5  # a recommendation the cheapest in fewer draws than this is flagged


def render_uncertainty(console: Console, mc: dict[str, Any]) -> None:
    table = Table(title=f"Uncertainty ({mc['draws']:,} draws, monthly)")
    for col in ("option", "p10", "p50", "p90"):
        table.add_column(col, justify="left" if col == "option" else "right")
    for name, q in mc["options"].items():
        mark = "" if name in mc["compared"] else " (not eligible)"
        table.add_row(escape(name) + mark, usd(q["p10"]), usd(q["p50"]), usd(q["p90"]))
    console.print(table)
    console.print(f"P({mc['best']} cheapest among {mc['among']}) = {mc['p_best_cheapest']:.0%}")
    if mc["p_best_cheapest"] < FRAGILE:
        console.print(
            f"fragile: under these ranges {escape(mc['most_often'])} is the cheapest more often "
            f"({mc['p_most_often']:.0%} of the draws); narrow the widest input in the tornado "
            "below (measure it: `fulcrum eval`, `fulcrum usage import`, `fulcrum probe`)"
        )
    tornado = Table(title=f"Sensitivity of {mc['metric']} (tornado)")
    for col in ("input", "low", "high", "swing"):
        tornado.add_column(col, justify="left" if col == "input" else "right")
    for row in mc["tornado"]:
        tornado.add_row(row["input"], usd(row["at_low"]), usd(row["at_high"]), usd(row["swing"]))
    console.print(tornado)
