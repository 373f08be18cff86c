"""Console CSV exports: columns found by name (several spellings each), one row a bucket.

A console's export layout is not a published schema, so each importer names, per field,
the header spellings it accepts (case and spaces ignored); a file whose header lacks a
required field is a problem at line 1 naming the field and the spellings accepted. A row is
a day (a date such as ``2026-11-02``) or an hour (a date with a time); its key is the file's
date text and the row's group columns, so the same export read twice stores nothing new.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fulcrum.usage.importers.buckets import keep, no_default, source_files
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

Aliases = Mapping[str, tuple[str, ...]]  # field -> accepted header spellings
Row = Mapping[str, str]  # field -> the cell's text (only the columns present)
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


def when(text: str) -> tuple[datetime, int]:
    """A row's start and width: a date is a day, a date with a time an hour."""
    value = text.strip()
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"date {value!r} is not YYYY-MM-DD[ HH:MM]") from None
    ts = (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(UTC)
    if len(value) <= len("2026-11-02"):
        return ts, DAY
    return ts.replace(minute=0, second=0, microsecond=0), HOUR


def count(row: Row, field: str) -> int:
    text = row.get(field, "").replace(",", "").strip()
    if not text:
        return 0
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a number") from None
    if number < 0 or number != int(number):
        raise ValueError(f"{field}: {text!r} is not a whole number")
    return int(number)


def _rows(
    file: Path, aliases: Aliases, required: tuple[str, ...], log: ImportLog
) -> Iterator[tuple[int, Row]]:
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
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
    for number, cells in enumerate(lines[1:], 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(lines[0]):
            log.problem(file, number, f"{len(cells)} cells, the header has {len(lines[0])}")
            continue
        yield number, {f: cells[i] for f, i in cols.items()}


def read_csv(
    source: str, log: ImportLog, aliases: Aliases, required: tuple[str, ...], to_record: ToRecord
) -> Iterator[UsageRecord]:
    kept: dict[str, UsageRecord] = {}
    for file in source_files(source, (".csv",)):
        log.files += 1
        for number, row in _rows(file, aliases, required, log):
            log.lines += 1
            try:
                start, width = when(row["date"])
                record = to_record(row, start, width, f"{file}:{number}")
            except ValueError as exc:
                log.problem(file, number, str(exc))
                continue
            keep(kept, record, log)
    yield from kept.values()


def row_key(row: Row, groups: tuple[str, ...]) -> str:
    return "/".join(
        [row["date"].strip(), *(f"{g}={row[g].strip()}" for g in groups if row.get(g, "").strip())]
    )


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
