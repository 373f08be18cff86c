"""Uploaded files (OpenAI's ``purpose=batch``: a batch's input) in the ledger database.

Every call here is blocking (a database round trip): the gateway runs them in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fulcrum.batch.sql import DIALECTS, Dialect
from fulcrum.routing.budget import SharedDatabase


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: str
    created_at: float
    filename: str
    purpose: str
    bytes: int
    client_key: str | None = None  # the name of the key that uploaded it


Owner = str | None  # a client key's name; None: a gateway without client keys


class FileStore:
    def __init__(self, db: SharedDatabase) -> None:
        self.db = db
        self.sql: Dialect = DIALECTS[db.dialect]

    def add(self, record: FileRecord, content: bytes) -> None:
        sql = (
            "INSERT INTO batch_files (id, created_at, filename, purpose, bytes, client_key, "
            "content) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        params = (*_file_values(record), record.client_key, content)
        self.db.run(lambda c: self.sql.execute(c, sql, params), write=True)

    def get(
        self, file_id: str, owner: Owner, *, content: bool = False
    ) -> tuple[FileRecord, bytes] | None:
        """The file, if ``owner`` uploaded it (another key's file is not found)."""
        cols = "id, created_at, filename, purpose, bytes" + (", content" if content else "")
        sql = f"SELECT {cols} FROM batch_files WHERE id = ? AND client_key {self.sql.same} ?"
        row = self.db.run(lambda c: self.sql.execute(c, sql, (file_id, owner)).fetchone())
        if row is None:
            return None
        data = self.sql.blob(row[5]) if content else b""
        return _file_record(row), data

    def page(
        self,
        limit: int,
        after: str | None,
        owner: Owner,
        *,
        newest_first: bool = True,
        purpose: str | None = None,
    ) -> tuple[list[FileRecord], bool]:
        """``limit`` of ``owner``'s uploaded files past the one ``after`` (in the order asked),
        and whether more lie beyond them."""
        where: list[str] = [f"client_key {self.sql.same} ?"]
        params: list[Any] = [owner]
        if purpose is not None:
            where.append("purpose = ?")
            params.append(purpose)
        way, past = ("DESC", "<") if newest_first else ("ASC", ">")
        if after is not None:
            where.append(f"(created_at, id) {past} (SELECT created_at, id FROM batch_files "
                         "WHERE id = ?)")  # fmt: skip
            params.append(after)
        clause = f"WHERE {' AND '.join(where)} "
        sql = (f"SELECT id, created_at, filename, purpose, bytes FROM batch_files {clause}"
               f"ORDER BY created_at {way}, id {way} LIMIT ?")  # fmt: skip
        rows = self.db.run(lambda c: self.sql.execute(c, sql, (*params, limit + 1)).fetchall())
        found = [_file_record(r) for r in rows[:limit]]
        return found, len(rows) > limit

    def delete(self, file_id: str, owner: Owner) -> bool:
        """Delete ``owner``'s uploaded file; whether there was one (a batch made from it keeps
        its items: they were read from it when the batch was created)."""
        sql = f"DELETE FROM batch_files WHERE id = ? AND client_key {self.sql.same} ?"
        params = (file_id, owner)
        deleted = self.db.run(lambda c: self.sql.execute(c, sql, params).rowcount, write=True)
        return bool(deleted)


def _file_record(row: Sequence[Any]) -> FileRecord:
    """A file's record from its first five columns (id, created_at, filename, purpose, bytes)."""
    return FileRecord(row[0], float(row[1]), row[2], row[3], int(row[4]))


def _file_values(record: FileRecord) -> tuple[Any, ...]:
    return (record.id, record.created_at, record.filename, record.purpose, record.bytes)
