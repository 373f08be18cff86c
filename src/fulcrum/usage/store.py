"""The usage store: imported records in an SQLite file in the data dir.

One table keyed by ``(source, key)``: importing a record again merges it with the row it
meets, by the rule one import merges the lines of a streamed response with (each count the
larger of the two, the rest from the later record: a partial copy in a later file, a resumed
session's, never replaces the complete one) and never adds a row, so re-importing the same
files adds nothing. Buckets of provider exports (``bucket_s`` > 0) are rows of the same
table, stored as the totals they are. The schema is versioned in ``usage_meta`` (a
version-1 file gains the bucket columns on opening); a file written by a newer fulcrum is
refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fulcrum.errors import InputError
from fulcrum.ledger.row import format_ts, parse_ts
from fulcrum.settings import Paths
from fulcrum.usage.importers.streamed import COUNTS
from fulcrum.usage.records import UsageRecord

SCHEMA_VERSION = 2
FILE_NAME = "usage.sqlite3"
COLUMNS = (
    "source",
    "key",
    "ts",
    "model",
    "session",
    "project",
    "origin",
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "web_search_requests",
    "bucket_s",
    "requests",
    "cost_usd",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage_records (
    source TEXT NOT NULL, key TEXT NOT NULL, ts TEXT NOT NULL, model TEXT NOT NULL,
    session TEXT, project TEXT, origin TEXT,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL, cache_write_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL, web_search_requests INTEGER NOT NULL,
    bucket_s INTEGER NOT NULL DEFAULT 0, requests INTEGER, cost_usd TEXT,
    PRIMARY KEY (source, key)
);
CREATE INDEX IF NOT EXISTS usage_records_ts ON usage_records (ts);
"""


COUNTED = frozenset(COUNTS)  # merged by the larger; the other columns by the later record


def _merged(column: str) -> str:
    """The upsert's value of ``column`` when a record meets the row already kept."""
    if column in COUNTED:
        return f"{column} = max({column}, excluded.{column})"
    return f"{column} = CASE WHEN excluded.ts >= ts THEN excluded.{column} ELSE {column} END"


# A response logged without its request id is keyed ``MESSAGE/`` and with it
# ``MESSAGE/REQUEST`` (streamed.key_of): one import joins the two, and rows of separate imports
# join here: the partial key's counts into the full one's (the larger), then it goes. The
# range on the key finds the keys a partial one begins, by the table's index.
_EXTENDS = "r.source = o.source AND r.key > o.key AND r.key < o.key || char(1114111)"
_JOIN_PARTIAL = (
    "UPDATE usage_records AS r SET "
    + ", ".join(f"{c} = max(r.{c}, o.{c})" for c in COUNTS)
    + f" FROM usage_records AS o WHERE o.key LIKE '%/' AND {_EXTENDS}"
)
_DROP_JOINED = (
    "DELETE FROM usage_records AS o WHERE o.key LIKE '%/' AND EXISTS "
    f"(SELECT 1 FROM usage_records AS r WHERE {_EXTENDS})"
)


class UsageStore:
    """Imported usage records in one SQLite file (default: ``usage.sqlite3`` in the data dir)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Paths.build().data / FILE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the usage store {self.path}: {exc}") from None

    def _check_version(self) -> None:
        row = self._db.execute(
            "SELECT value FROM usage_meta WHERE name = 'schema_version'"
        ).fetchone()
        if row is None:
            with self._db:
                self._db.execute(
                    "INSERT INTO usage_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
        elif int(row[0]) == 1:
            self._migrate_1_to_2()
        elif int(row[0]) > SCHEMA_VERSION:
            raise InputError(
                f"the usage store {self.path} has schema version {row[0]}, newer than this "
                f"fulcrum's {SCHEMA_VERSION}; upgrade fulcrum"
            )

    def _migrate_1_to_2(self) -> None:
        """Version 2 adds buckets (``bucket_s``, ``requests``) and stated costs."""
        with self._db:
            for column in ("bucket_s INTEGER NOT NULL DEFAULT 0", "requests INTEGER",
                           "cost_usd TEXT"):  # fmt: skip
                self._db.execute(f"ALTER TABLE usage_records ADD COLUMN {column}")
            self._db.execute("UPDATE usage_meta SET value = '2' WHERE name = 'schema_version'")

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM usage_records").fetchone()[0])

    def add(self, records: Iterable[UsageRecord]) -> int:
        """Insert ``records``, each merged with the row it meets; returns how many were new."""
        before = self.count()
        marks = ", ".join("?" for _ in COLUMNS)
        updates = ", ".join(_merged(c) for c in COLUMNS[2:])
        sql = (
            f"INSERT INTO usage_records ({', '.join(COLUMNS)}) VALUES ({marks}) "
            f"ON CONFLICT (source, key) DO UPDATE SET {updates}"
        )
        with self._db:
            self._db.executemany(sql, (_values(r) for r in records))
            self._db.execute(_JOIN_PARTIAL)
            self._db.execute(_DROP_JOINED)
        return self.count() - before

    def records(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
    ) -> list[UsageRecord]:
        """Records with ``since <= ts < until`` (either open), oldest first."""
        where, args = [], []
        if since is not None:
            where.append("ts >= ?")
            args.append(format_ts(since))
        if until is not None:
            where.append("ts < ?")
            args.append(format_ts(until))
        if source is not None:
            where.append("source = ?")
            args.append(source)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        cursor = self._db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM usage_records{clause} ORDER BY ts, source, key",
            args,
        )
        return [_record(row) for row in cursor]

    def close(self) -> None:
        self._db.close()


def _value(r: UsageRecord, column: str) -> object:
    if column == "ts":
        return format_ts(r.ts)
    if column == "cost_usd":
        return None if r.cost_usd is None else str(r.cost_usd)
    return getattr(r, column)


def _values(r: UsageRecord) -> tuple[object, ...]:
    return tuple(_value(r, c) for c in COLUMNS)


def _record(row: tuple[object, ...]) -> UsageRecord:
    data = dict(zip(COLUMNS, row, strict=True))
    data["ts"] = parse_ts(data["ts"])
    data["cost_usd"] = None if data["cost_usd"] is None else Decimal(str(data["cost_usd"]))
    return UsageRecord(**data)  # type: ignore[arg-type]
