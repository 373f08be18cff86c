"""Shared reading of provider exports: saved API pages (JSON) and console CSV files.

A provider's usage or cost export is a list of time buckets, each with ``results`` (one per
group: model, workspace, API key, project…). Each result becomes one bucket record
(:class:`~fulcrum.usage.records.UsageRecord` with ``bucket_s`` > 0), keyed by the bucket's
start, its width and every group field the export carries, so the same page saved twice, or
two pages overlapping, store each bucket once (the later one read wins and is counted as a
duplicate).

A source is a file or a directory (its ``*.json``, ``*.jsonl`` and ``*.csv`` files). A
``.json`` file holds one page (``{"data": [...], "has_more": ...}``) or a list of pages; a
``.jsonl`` file one page per line, as a paging loop appends them. A result that cannot be
used is a problem naming the file, the line of its page (1 for a one-document file) and
where it is (``data[2].results[0]: output_tokens missing``); a file that is not JSON is a
problem at the line the parser stopped, one that is not UTF-8 (a byte-order mark is fine) a
problem at line 0. Counts and times are checked by :mod:`fulcrum.usage.importers.values`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError
from fulcrum.textfiles import decode
from fulcrum.usage.importers import values
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

# (result, bucket start, bucket end, origin) -> the record, or ValueError(reason)
ToRecord = Callable[[Mapping[str, Any], datetime, datetime, str], UsageRecord]
# a bucket -> (start, end), or ValueError(reason)
Span = Callable[[Mapping[str, Any]], tuple[datetime, datetime]]


def no_default(name: str) -> list[str]:
    raise InputError(f"--from {name}: an export has no default place; pass its files as PATH")


@dataclass(frozen=True, slots=True)
class PageImporter:
    """A provider report saved as API pages: one registry entry, its span and record readers."""

    name: str
    help: str
    span: Span
    record: ToRecord

    def default_sources(self, ctx: ImportContext) -> list[str]:
        return no_default(self.name)

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]:
        return read_pages(source, log, self.span, self.record)


def source_files(source: str, suffixes: tuple[str, ...]) -> list[Path]:
    path = Path(source).expanduser()
    if not path.exists():
        raise InputError(f"{source}: no such file or directory")
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())


def whole(data: Mapping[str, Any], name: str) -> int:
    return values.whole(name, data.get(name))


def optional_whole(data: Mapping[str, Any], name: str) -> int:
    return 0 if data.get(name) is None else whole(data, name)


def rfc3339(bucket: Mapping[str, Any], name: str) -> datetime:
    value = bucket.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} missing")
    return values.utc_time(name, value, "an RFC 3339 time")


TYPE_TAG = "object"  # the OpenAI API's name of the result's type: the same on every result


def group_key(
    start: datetime,
    end: datetime,
    result: Mapping[str, Any],
    fields: tuple[str, ...],
    values: tuple[str, ...] = (),
) -> str:
    """The bucket's identity: its span and the group fields the export set; then any other
    text or true/false field the importer does not know (a grouping added to the API later),
    so two results that differ only there stay two records. ``values``: the fields holding
    amounts as text (a cost report's ``amount``, ``currency``), never a group."""
    known = [f"{f}={result[f]}" for f in fields if result.get(f) is not None]
    skip = {*fields, *values, TYPE_TAG}
    other = sorted(f"{k}={v}" for k, v in result.items()
                   if k not in skip and isinstance(v, str | bool))  # fmt: skip
    return "/".join([start.isoformat(), end.isoformat(), *known, *other])


def span_s(start: datetime, end: datetime) -> int:
    seconds = int((end - start).total_seconds())
    if seconds <= 0:
        raise ValueError("the bucket ends before it starts")
    return seconds


def read_text(file: Path, log: ImportLog) -> str | None:
    """The file's UTF-8 text, or ``None`` with a problem (unreadable, another encoding)."""
    try:
        return decode(file.read_bytes())
    except OSError as exc:
        log.problem(file, 0, f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:
        log.problem(file, 0, str(exc))
    return None


def _lines(file: Path, text: str, log: ImportLog) -> Iterator[tuple[int, Any]]:
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (ValueError, RecursionError):  # a JSON error, a number of 4,300+ digits
            last = number == len(lines) and not text.endswith("\n")
            log.problem(file, number, "file ends mid-line" if last else "not valid JSON")


def _pages(file: Path, log: ImportLog) -> Iterator[tuple[int, Any]]:
    text = read_text(file, log)
    if text is None:
        return
    if file.suffix == ".jsonl":
        yield from _lines(file, text, log)
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        log.problem(file, exc.lineno, f"not valid JSON: {exc.msg}")
        return
    except (ValueError, RecursionError):
        log.problem(file, 1, "not valid JSON: a number of 4,300+ digits or nesting too deep")
        return
    for page in doc if isinstance(doc, list) else [doc]:
        yield 1, page


def _results(
    file: Path, number: int, page: Any, log: ImportLog, span: Span
) -> Iterator[tuple[str, Mapping[str, Any], datetime, datetime]]:
    data = page.get("data") if isinstance(page, Mapping) else None
    if not isinstance(data, list):
        log.problem(file, number, "not a report page: no `data` list of buckets")
        return
    for i, bucket in enumerate(data):
        try:
            if not isinstance(bucket, Mapping) or not isinstance(bucket.get("results"), list):
                raise ValueError("not a bucket with a `results` list")
            start, end = span(bucket)
        except ValueError as exc:
            log.problem(file, number, f"data[{i}]: {exc}")
            continue
        for j, result in enumerate(bucket["results"]):
            yield f"data[{i}].results[{j}]", result, start, end


def read_pages(
    source: str, log: ImportLog, span: Span, to_record: ToRecord
) -> Iterator[UsageRecord]:
    """Every usable result of every page in ``source``, one record per bucket key."""
    kept: dict[str, UsageRecord] = {}
    for file in source_files(source, (".json", ".jsonl")):
        log.files += 1
        for number, page in _pages(file, log):
            for where, result, start, end in _results(file, number, page, log, span):
                log.lines += 1
                try:
                    if not isinstance(result, Mapping):
                        raise ValueError("not a JSON object")
                    record = to_record(result, start, end, f"{file}:{number}:{where}")
                except ValueError as exc:
                    log.problem(file, number, f"{where}: {exc}")
                    continue
                keep(kept, record, log)
    yield from kept.values()


def keep(kept: dict[str, UsageRecord], record: UsageRecord, log: ImportLog) -> None:
    if record.key in kept:
        log.duplicates += 1
        del kept[record.key]
    kept[record.key] = record
