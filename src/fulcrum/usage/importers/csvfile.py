"""Console CSV exports: columns found by name (several spellings each), one row a bucket.

A console's export layout is not a published schema, so each importer names, per field,
the header spellings it accepts (case and spaces ignored); a file whose header lacks a
required field is a problem at line 1 naming the field and the spellings accepted. A row is
a day (a date such as ``2026-11-02``) or an hour (a date with a time), or, when the row has
an end (``ending_at``, as the Admin API names it), the span from its start to that end; its
key is the file's
date text and the row's group columns, so the same export read twice stores nothing new.
A cell that is not a count (``nan``, ``1e400``, ``-3``) is a problem of its row naming its
column as the header spells it (:mod:`fulcrum.usage.importers.values`); the other rows are
still read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fulcrum.usage.importers import values
from fulcrum.usage.importers.buckets import keep, no_default, read_text, source_files
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

Aliases = Mapping[str, tuple[str, ...]]  # field -> accepted header spellings
END = ("ending_at",)  # the optional end column (exclusive, as the Admin API writes it)
OTHER = "other:"  # a Row's key for a column no alias names


class Row(dict[str, str]):
    """A row: field -> the cell's text (only the columns present), and each field's header."""

    def __init__(self, cells: Mapping[str, str], headers: Mapping[str, str]) -> None:
        super().__init__(cells)
        self.headers = headers

    def column(self, field: str) -> str:
        """The field's column as the file's header spells it, for problems."""
        return self.headers.get(field, field)


ToRecord = Callable[[Row, datetime, int, str], UsageRecord]
DAY, HOUR = 86_400, 3_600


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def columns(header: list[str], aliases: Aliases) -> dict[str, int]:
    """field -> column index, for the fields whose spelling the header uses."""
    where = {_norm(h): i for i, h in enumerate(header)}
    found = {}
    for field, names in aliases.items():
        for name in names:
            if name in where:
                found[field] = where[name]
                break
    return found


def when(row: Row) -> tuple[datetime, int]:
    """A row's start and width: up to its end when given, else a date is a day and a date
    with a time an hour."""
    value = row["date"].strip()
    ts = values.utc_time(row.column("date"), value, "YYYY-MM-DD[ HH:MM]")
    if row.get("end", "").strip():
        return ts, _width(row, ts)
    if len(value) <= len("2026-11-02"):
        return ts, DAY
    return ts.replace(minute=0, second=0, microsecond=0), HOUR


def _width(row: Row, start: datetime) -> int:
    """Seconds from ``start`` to the row's end, which must be after it."""
    text, name = row["end"].strip(), row.column("end")
    width = int((values.utc_time(name, text, "a time") - start).total_seconds())
    if width <= 0:
        raise ValueError(f"{name}: {text!r} is not after {row.column('date')}")
    return width


def count(row: Row, field: str) -> int:
    text = row.get(field, "").replace(",", "").strip()
    return values.whole_text(row.column(field), text) if text else 0


def _rows(
    file: Path, aliases: Aliases, required: tuple[str, ...], log: ImportLog
) -> Iterator[tuple[int, Row]]:
    text = read_text(file, log)
    if text is None:
        return
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        log.problem(file, 0, f"cannot read as CSV: {exc}")
        return
    if not lines:
        log.problem(file, 1, "empty file: no header")
        return
    cols = columns(lines[0], aliases)
    missing = [f for f in required if f not in cols]
    if missing:
        accepted = "; ".join(f"{f}: {' or '.join(aliases[f])}" for f in missing)
        log.problem(file, 1, f"header lacks {accepted}")
        return
    headers = {f: lines[0][i].strip() for f, i in cols.items()}
    # columns no alias names: kept as the row's own dimensions (a region, a product), so rows
    # that differ in one stay apart, and a row saved twice is still one record
    read = set(cols.values())
    others = {i: OTHER + _norm(h) for i, h in enumerate(lines[0]) if i not in read and h.strip()}
    for number, cells in enumerate(lines[1:], 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(lines[0]):
            log.problem(file, number, f"{len(cells)} cells, the header has {len(lines[0])}")
            continue
        known = {f: cells[i] for f, i in cols.items()}
        yield number, Row(known | {name: cells[i] for i, name in others.items()}, headers)


def read_csv(
    source: str, log: ImportLog, aliases: Aliases, required: tuple[str, ...], to_record: ToRecord
) -> Iterator[UsageRecord]:
    kept: dict[str, UsageRecord] = {}
    for file in source_files(source, (".csv",)):
        log.files += 1
        for number, row in _rows(file, aliases, required, log):
            log.lines += 1
            if summary_row(row):
                log.summaries += 1
                continue
            try:
                start, width = when(row)
                record = to_record(row, start, width, f"{file}:{number}")
            except ValueError as exc:
                log.problem(file, number, str(exc))
                continue
            keep(kept, record, log)
    yield from kept.values()


SUMMARY_LABELS = ("total", "totals", "grand total", "subtotal", "sum")


def summary_row(row: Row) -> bool:
    """An export's total line (``Total,,15.75``): its date cell holds a total's label."""
    return row.get("date", "").strip().lower().rstrip(":") in SUMMARY_LABELS


def row_key(row: Row, groups: tuple[str, ...]) -> str:
    """The row's bucket: its date, its group columns and the text of columns no alias names
    (a number there is a measure, which a later export of the same bucket may change)."""
    others = sorted(k for k in row if k.startswith(OTHER) and not _numeric(row[k]))
    return "/".join(
        [row["date"].strip(),
         *(f"{g}={row[g].strip()}" for g in (*groups, *others) if row.get(g, "").strip())]
    )  # fmt: skip


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def end_of(start: datetime, width: int) -> datetime:
    return start + timedelta(seconds=width)


@dataclass(frozen=True, slots=True)
class CsvImporter:
    """A console CSV export: one registry entry, its header aliases and record reader."""

    name: str
    help: str
    aliases: Aliases
    required: tuple[str, ...]
    record: ToRecord

    def default_sources(self, ctx: ImportContext) -> list[str]:
        return no_default(self.name)

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]:
        return read_csv(source, log, self.aliases, self.required, self.record)
