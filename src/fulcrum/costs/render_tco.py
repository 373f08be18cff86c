"""The ``fulcrum tco`` tables: one per horizon, as many options side by side as fit the
terminal (the rest in a further table), with row labels short enough never to be cut."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fulcrum.costs.render import usd
from fulcrum.costs.tco import TcoBreakdown

LINES = (
    ("Hardware", "hardware"),
    ("Residual value", "residual"),
    ("All-in uplift", "uplift"),
    ("Setup", "setup"),
    ("Electricity", "electricity"),
    ("Elec. by watts", "electricity_computed"),
    ("Maintenance", "maintenance"),
    ("Operations", "operations"),
    ("Total", "total"),
    ("Monthly", "monthly"),
)
LABEL_WIDTH = max(len(label) for label, _ in (*LINES, ("All boxes/month", "")))
NOTE = (
    "Electricity: the option's stated electricity_usd (pro rata for another horizon) where it "
    "gives one, else computed; "
    "Elec. by watts: average watts x hours x $/kWh, beside it. Boxes: machines the agents' "
    "traffic needs; All boxes/month: Monthly x Boxes."
)


def _cells(b: TcoBreakdown, boxes: int) -> list[str]:
    money = [usd(getattr(b, key)) for _, key in LINES]
    return [*money, str(boxes), usd(b.monthly * boxes)]


def _per_table(console: Console, cells: list[list[str]]) -> int:
    """How many option columns fit beside the labels at the console's width."""
    widest = max((len(c) for column in cells for c in column), default=1)
    room = console.width - (LABEL_WIDTH + 4)
    return max(1, room // (widest + 3))


def render_tco(
    console: Console, title: str, rows: list[TcoBreakdown], boxes: dict[str, int]
) -> None:
    """Per-box lines, then the box count decide uses and the monthly cost of all of them."""
    horizons: dict[Decimal, list[TcoBreakdown]] = {}
    for b in rows:
        horizons.setdefault(b.horizon_years, []).append(b)
    for years, group in horizons.items():
        cells = [_cells(b, boxes.get(b.name, 1)) for b in group]
        step = _per_table(console, cells)
        for start in range(0, len(group), step):
            part = slice(start, start + step)
            _table(console, f"{title}, {years:g} years", group[part], cells[part])
    console.print(NOTE)


def _table(console: Console, title: str, group: list[TcoBreakdown], cells: list[list[str]]) -> None:
    table = Table(title=escape(title))
    table.add_column("line", no_wrap=True, min_width=LABEL_WIDTH)
    for b in group:
        table.add_column(escape(b.name), justify="right", overflow="fold")
    labels = [label for label, _ in LINES] + ["Boxes", "All boxes/month"]
    for i, label in enumerate(labels):
        table.add_row(label, *(column[i] for column in cells))
    console.print(table)
