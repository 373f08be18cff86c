"""Run an import: read every source through its importer, store, summarize."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fulcrum.usage.importers import get
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord
from fulcrum.usage.store import UsageStore

SHOWN_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class ImportSummary:
    importer: str
    sources: list[str]
    store: str
    records: int
    added: int
    log: ImportLog

    def as_dict(self) -> dict[str, object]:
        return {
            "importer": self.importer,
            "sources": self.sources,
            "store": self.store,
            "files": self.log.files,
            "lines": self.log.lines,
            "records": self.records,
            "added": self.added,
            "duplicates": self.log.duplicates,
            "synthetic_skipped": self.log.synthetic,
            "total_rows_skipped": self.log.summaries,
            "malformed": len(self.log.problems),
            "problems": [
                {"file": p.file, "line": p.line, "reason": p.reason} for p in self.log.problems
            ],
        }

    def text(self) -> str:
        log = self.log
        lines = [
            f"{self.importer}: {log.files} files, {log.lines} lines -> {self.records} records, "
            f"{self.added} new in {self.store}",
            f"duplicates merged (streamed lines, re-saved buckets): {log.duplicates}; "
            f"<synthetic> skipped: {log.synthetic}; "
            + (f"total rows skipped: {log.summaries}; " if log.summaries else "")
            + f"malformed lines: {len(log.problems)}",
        ]
        lines += [f"  {p}" for p in log.problems[:SHOWN_PROBLEMS]]
        if len(log.problems) > SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(log.problems) - SHOWN_PROBLEMS} more (--json lists all)")
        return "\n".join(lines)


class StderrProgress:
    """A progress line on stderr at most once a second, for imports that take a while."""

    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s = every_s
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s:
            print(f"usage import: {done}/{total}", file=sys.stderr, flush=True)
            self.last = now


def run_import(
    importer_name: str,
    paths: list[str],
    ctx: ImportContext,
    store_path: Path | None = None,
) -> ImportSummary:
    importer = get(importer_name)
    sources = paths or importer.default_sources(ctx)
    log = ImportLog()
    records: list[UsageRecord] = []
    for source in sources:  # read everything first: a bad path stores nothing
        records.extend(importer.read(source, log, ctx))
    store = UsageStore(store_path)
    try:
        added = store.add(records)
    finally:
        store.close()
    return ImportSummary(importer.name, sources, str(store.path), len(records), added, log)
