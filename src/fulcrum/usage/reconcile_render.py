"""Put a reconciliation on the terminal (80 columns) and in JSON."""

from __future__ import annotations

from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table

from fulcrum.usage.reconcile import (
    CAUSES,
    PER_CALL_KEY,
    TOKEN_NAMES,
    Diff,
    Reconciliation,
    Side,
)
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.render import short, usd

SHOWN_UNMATCHED = 10
NOTHING = "no usage to reconcile; import both sources with `fulcrum usage import`"


def signed(n: int) -> str:
    return "0" if n == 0 else f"{'+' if n > 0 else '-'}{short(abs(n))}"


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return "unknown"
    return f"+{usd(amount)}" if amount > 0 else usd(amount).replace("$-", "-$")


def _side_cost(diff: Diff, side: str) -> str:
    s = diff.a if side == "a" else diff.b
    return usd(s.cost_usd, s.unknown) if s.unknown < diff.calls or not diff.calls else "unknown"


def _table(title: str, first: str, rec: Reconciliation, rows: dict[str, Diff]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    table.add_column(first, overflow="fold", min_width=10, max_width=26)
    for name in ("calls", "Δin", "Δout", "Δc.wr", "Δc.rd", rec.a_source[:11], "Δ$"):
        table.add_column(name, justify="right", no_wrap=True)
    for key, d in rows.items():
        table.add_row(
            key, f"{d.calls:,}", *map(signed, d.token_diff), _side_cost(d, "a"),
            _money(d.cost_diff),
        )  # fmt: skip
    return table


def _unit(rec: Reconciliation) -> str:
    """What a cause is counted in: matched calls, or day-and-model cells against an export."""
    return "calls" if rec.match_key == PER_CALL_KEY else "cells"


def _unmatched_line(r: UsageRecord) -> str:
    where = f"bucket of {r.bucket_s // 3600} h" if r.is_bucket else f"session {r.session or '-'}"
    return f"  {r.source} {r.ts:%Y-%m-%d %H:%M:%S} {r.model} {where}"


def render(console: Console, rec: Reconciliation) -> None:
    t = rec.total
    if rec.empty:
        console.print(NOTHING)
        return
    verdict = "agree exactly" if rec.agrees else "differ"
    lines = [
        f"{rec.a_source} vs {rec.b_source}: {t.calls:,} calls matched, token totals {verdict}",
        f"only in {rec.a_source}: {len(rec.unmatched_a):,}; "
        f"only in {rec.b_source}: {len(rec.unmatched_b):,}",
        f"matched on {rec.match_key}",
        f"Δ = {rec.b_source} - {rec.a_source}",
        f"{rec.a_source} {_side_cost(t, 'a')}, {rec.b_source} {_side_cost(t, 'b')}, "
        f"Δ {_money(t.cost_diff)}",
    ]
    for line in lines:
        console.print(line, highlight=False)
    console.print(_table("by day", "day", rec, rec.by_day))
    console.print(_table("by model", "model", rec, rec.by_model))
    found = [(k, n) for k, n in rec.causes.items() if n]
    if found:
        console.print("known causes in matched calls:", highlight=False)
        for key, n in found:
            console.print(f"  {n:,} {_unit(rec)}: {CAUSES[key]}", highlight=False)
    unmatched = rec.unmatched_a + rec.unmatched_b
    if unmatched:
        console.print("unmatched calls:", highlight=False)
        for r in unmatched[:SHOWN_UNMATCHED]:
            console.print(_unmatched_line(r), highlight=False)
        if len(unmatched) > SHOWN_UNMATCHED:
            console.print(f"  ... and {len(unmatched) - SHOWN_UNMATCHED} more (--json lists all)")


def _diff_dict(d: Diff) -> dict[str, object]:
    def side(s: Side) -> dict[str, object]:
        tokens = dict(zip(TOKEN_NAMES, s.tokens, strict=True))
        return {**tokens, "cost_usd": str(s.cost_usd), "unknown": s.unknown}

    cost = d.cost_diff
    return {
        "calls": d.calls,
        "a": side(d.a),
        "b": side(d.b),
        "token_diff": dict(zip(TOKEN_NAMES, d.token_diff, strict=True)),
        "cost_diff_usd": None if cost is None else str(cost),
    }


def _record_dict(r: UsageRecord) -> dict[str, object]:
    return {"source": r.source, "key": r.key, "ts": r.ts.isoformat(), "model": r.model,
            "session": r.session}  # fmt: skip


def as_dict(rec: Reconciliation) -> dict[str, object]:
    return {
        "a": rec.a_source,
        "b": rec.b_source,
        "match_key": rec.match_key,
        "agrees": rec.agrees,
        "note": NOTHING if rec.empty else None,
        "total": _diff_dict(rec.total),
        "by_day": {k: _diff_dict(d) for k, d in rec.by_day.items()},
        "by_model": {k: _diff_dict(d) for k, d in rec.by_model.items()},
        "causes": {k: {_unit(rec): n, "what": CAUSES[k]} for k, n in rec.causes.items()},
        "unmatched_a": [_record_dict(r) for r in rec.unmatched_a],
        "unmatched_b": [_record_dict(r) for r in rec.unmatched_b],
    }
