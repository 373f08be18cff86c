"""OpenCode's session database: ``opencode.db`` under ``$XDG_DATA_HOME/opencode`` (default
``~/.local/share/opencode``), a SQLite file the CLI writes as it works.

One model call is one ``step-finish`` part (table ``part``, its JSON in ``data``): ``tokens``
holds ``input`` (without the cache's reads and writes, Anthropic's meaning, whatever the
provider), ``output`` (reasoning included, as the providers count it; ``reasoning`` is the part
of it that was), ``cache.read`` and ``cache.write``; the part's id is the record's key and its
``time_created`` (milliseconds) the call's time. Its message (table ``message``) names the
model (``modelID``), its session (table ``session``) the directory. The CLI's session-title
calls are not recorded there, so they are not imported. A part that cannot be read is a
problem with the database's path and the part's row number; the file is opened read-only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError
from fulcrum.usage.importers import values
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

SOURCE = "opencode"
DATABASE = "opencode.db"
STEPS_SQL = (
    "SELECT p.rowid, p.id, p.session_id, p.time_created, p.data, m.data, s.directory "
    "FROM part p JOIN message m ON m.id = p.message_id "
    "LEFT JOIN session s ON s.id = p.session_id "
    "WHERE p.data LIKE '%\"step-finish\"%' ORDER BY p.time_created, p.rowid"
)
Row = tuple[int, str, str, int, str, str, str | None]


class OpenCodeImporter:
    name = SOURCE
    help = "OpenCode's session database (opencode.db, or the directory holding it)"

    def default_sources(self, ctx: ImportContext) -> list[str]:
        data = ctx.env.get("XDG_DATA_HOME")
        base = Path(data).expanduser() if data else ctx.home / ".local" / "share"
        path = base / "opencode" / DATABASE
        if not path.is_file():
            raise InputError(f"no OpenCode database found at {path}; pass PATH")
        return [str(path)]

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]:
        path = _database(source)
        log.files += 1
        for row in _rows(path):
            log.lines += 1
            try:
                record = _record(row, path)
            except ValueError as exc:
                log.problem(path, row[0], str(exc))
                continue
            if record is not None:
                yield record
        ctx.progress(1, 1)


def _database(source: str) -> Path:
    path = Path(source).expanduser()
    if path.is_dir():
        path = path / DATABASE
    if not path.is_file():
        raise InputError(f"{source}: no OpenCode database ({DATABASE}) there")
    return path


def _rows(path: Path) -> list[Row]:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open: {exc}") from None
    try:
        return conn.execute(STEPS_SQL).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not an OpenCode database ({exc})") from None
    finally:
        conn.close()


def _record(row: Row, path: Path) -> UsageRecord | None:
    number, key, session, created, part_data, message_data, directory = row
    part, message = _object(part_data, "part"), _object(message_data, "message")
    if part.get("type") != "step-finish":  # the text only mentioned it
        return None
    tokens = part.get("tokens")
    if not isinstance(tokens, Mapping):
        raise ValueError("tokens missing")
    found = tokens.get("cache")
    cache: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    model = message.get("modelID")
    if not isinstance(model, str) or not model:
        raise ValueError("the message names no modelID")
    return UsageRecord(
        source=SOURCE,
        key=key,
        ts=_time(created),
        model=model,
        session=session or None,
        project=directory or None,
        origin=f"{path}#{number}",
        input_tokens=values.whole("tokens.input", tokens.get("input", 0)),
        output_tokens=values.whole("tokens.output", tokens.get("output", 0)),
        cache_read_tokens=values.whole("tokens.cache.read", cache.get("read", 0)),
        cache_write_tokens=values.whole("tokens.cache.write", cache.get("write", 0)),
    )


def _time(created: object) -> datetime:
    """A part's ``time_created``: milliseconds since the epoch."""
    ms = values.whole("time_created", created)
    return values.unix_time("time_created", ms // 1000) + timedelta(milliseconds=ms % 1000)


def _object(text: str, what: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise ValueError(f"the {what}'s data is not valid JSON") from None
    if not isinstance(value, Mapping):
        raise ValueError(f"the {what}'s data is not a JSON object")
    return value
