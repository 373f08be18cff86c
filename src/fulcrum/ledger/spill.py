"""The spill file: rows the database refused, kept as JSON lines until they can be replayed.

The writer appends a batch here only after its retries failed, so a database outage never
loses a row. ``fulcrum ledger --replay-spill`` (or :func:`replay`) inserts them later; rows
already in the ledger are skipped by id, so replaying twice is harmless. Rows are spilled
priced; an amount still unknown is priced on replay at the call's time (``row.ts``), never at
the replay's, and amounts already on a row are kept.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError
from fulcrum.ledger.attempts import attempts_to_json, load_attempts
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import MONEY_FIELDS, LedgerRow, format_ts, parse_ts
from fulcrum.ledger.store import LedgerStore

DEFAULT_NAME = "ledger-spill.jsonl"


def row_to_json(row: LedgerRow) -> dict[str, Any]:
    """A row as JSON-safe values (money as decimal strings, time as ISO UTC)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(row):
        value = getattr(row, f.name)
        if f.name == "ts":
            value = format_ts(value)
        elif value is not None and f.name in MONEY_FIELDS:
            value = str(value)
        elif f.name == "attempts":
            value = attempts_to_json(value)
        out[f.name] = value
    return out


def row_from_json(data: dict[str, Any]) -> LedgerRow:
    values = dict(data)
    values["ts"] = parse_ts(values["ts"])
    values["attempts"] = load_attempts(values.get("attempts"))
    for name in MONEY_FIELDS:
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    return LedgerRow(**values)


def append_rows(path: Path, rows: Sequence[LedgerRow]) -> None:
    """Append rows in one write, so lines from several processes do not interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row_to_json(row)) + "\n" for row in rows)
    with path.open("a", encoding="utf-8") as out:
        out.write(text)


def read_rows(path: Path) -> list[LedgerRow]:
    rows: list[LedgerRow] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                rows.append(row_from_json(json.loads(line)))
            except (ValueError, TypeError, KeyError) as exc:
                raise InputError(f"{path}:{number}: not a ledger row ({exc})") from None
    return rows


def replay(
    store: LedgerStore, path: Path, *, batch_size: int = 500, pricer: Pricer | None = None
) -> int:
    """Insert the spilled rows into ``store``; on success the file is renamed ``*.replayed``.

    ``pricer`` fills the amounts still unknown, at each row's own time. Returns the number of
    rows newly inserted (rows already present are skipped).
    """
    rows = read_rows(path)
    if pricer is not None:
        rows = [pricer.price(row) for row in rows]
    inserted = 0
    for start in range(0, len(rows), batch_size):
        inserted += store.insert_many(rows[start : start + batch_size])
    path.replace(path.with_name(path.name + ".replayed"))
    return inserted
