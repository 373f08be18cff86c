"""The ``decide --sweep`` table: options as lettered columns, so it reads at 80 columns."""

from __future__ import annotations

from decimal import Decimal
from string import ascii_uppercase
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fulcrum.costs.render import usd

PER_TABLE = 5


def render_sweep(console: Console, result: dict[str, Any]) -> None:
    names: list[str] = result["options"]
    letter = {n: ascii_uppercase[i % 26] for i, n in enumerate(names)}
    console.print(f"Monthly total (capability tax included) along {result['key']}:")
    labels = _labels(result)
    for name in names:
        console.print(f"  {letter[name]} = {escape(labels[name])}")
    for start in range(0, len(names), PER_TABLE):  # at most PER_TABLE columns fit 80 wide
        _table(console, result, names[start : start + PER_TABLE], letter)
    console.print("x = not eligible at that value (see `fulcrum decide` for why)")
    _crossings(console, "Crossings (total incl. tax)", result["crossings"], letter)
    _crossings(console, "Crossings (money only)", result["money_crossings"], letter)


def _labels(result: dict[str, Any]) -> dict[str, str]:
    """Each option's name where it is the same at every value, else its stable id."""
    seen: dict[str, set[str]] = {}
    for row in result["rows"]:
        for o in row["options"]:
            seen.setdefault(o["id"], set()).add(o["name"])
    return {i: next(iter(seen[i])) if len(seen.get(i, ())) == 1 else i for i in result["options"]}


def _table(
    console: Console, result: dict[str, Any], names: list[str], letter: dict[str, str]
) -> None:
    table = Table()
    table.add_column(result["key"].split(".")[-1], justify="right", no_wrap=True)
    for name in names:
        table.add_column(letter[name], justify="right", no_wrap=True)
    table.add_column("best", justify="center")
    for row in result["rows"]:
        by_id = {o["id"]: o for o in row["options"]}
        cells = [_cell(by_id.get(n)) for n in names]
        table.add_row(row["value"], *cells, letter[row["recommended"]])
    console.print(table)


def _cell(option: dict[str, Any] | None) -> str:
    if option is None:
        return "-"
    return usd(Decimal(option["total_monthly"])) + ("" if option["eligible"] else "x")


def _crossings(
    console: Console, title: str, rows: list[dict[str, str]], letter: dict[str, str]
) -> None:
    if not rows:
        console.print(f"{title}: none in this range")
        return
    console.print(f"{title}:")
    for c in rows:
        a, b = c["options"].split(" | ")
        console.print(
            f"  {letter[a]} = {letter[b]} at {c['at']} (between {c['between']}); "
            f"{letter[c['cheaper_after']]} cheaper above"
        )
