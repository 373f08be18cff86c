"""What differs between SQLite and PostgreSQL for the batch tables, one object per dialect.

The statements are written once with ``?`` placeholders; a dialect renders them, opens the
transaction a piece of work needs (SQLite: ``run(write=True)`` already holds ``BEGIN
IMMEDIATE``; PostgreSQL: an explicit transaction on an autocommit connection), and picks the
items to claim (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so gateways never wait on each other).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

# Items that may be claimed now: queued and due, or running under an expired lease. A local
# claim takes only items for local backends; a forwarding claim only those of one api backend
# not yet in a provider batch (an item in one has no lease: it is never claimed again).
DUE = "((state = 'queued' AND not_before <= ?) OR (state = 'running' AND lease_until < ?))"
CLAIMABLE = f"forward_backend IS NULL AND {DUE}"
FORWARDABLE = f"forward_backend = ? AND forward_id IS NULL AND {DUE}"
PICK = f"SELECT id FROM batch_items WHERE {CLAIMABLE} ORDER BY queued_at, line LIMIT ?"
PICK_FORWARD = f"SELECT id FROM batch_items WHERE {FORWARDABLE} ORDER BY queued_at, line LIMIT ?"


class Dialect:
    name: ClassVar[str]
    text_time: ClassVar[bool]  # ledger rows: time as ISO text (SQLite) or timestamptz
    same: ClassVar[str] = "IS"  # equal, NULL to NULL included (a gateway without keys)
    pick: ClassVar[str] = PICK
    pick_forward: ClassVar[str] = PICK_FORWARD

    def render(self, sql: str) -> str:
        return sql

    @contextlib.contextmanager
    def transaction(self, conn: Any) -> Iterator[None]:
        yield

    def execute(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self.render(sql), tuple(params))

    def blob(self, value: Any) -> bytes:
        return bytes(value)


class SQLiteDialect(Dialect):
    name = "sqlite"
    text_time = True


class PostgresDialect(Dialect):
    name = "postgres"
    text_time = False
    same = "IS NOT DISTINCT FROM"
    pick = PICK + " FOR UPDATE SKIP LOCKED"
    pick_forward = PICK_FORWARD + " FOR UPDATE SKIP LOCKED"

    def render(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextlib.contextmanager
    def transaction(self, conn: Any) -> Iterator[None]:
        with conn.transaction():
            yield


DIALECTS: dict[str, Dialect] = {d.name: d for d in (SQLiteDialect(), PostgresDialect())}
