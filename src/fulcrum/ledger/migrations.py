"""Versioned schema migrations for the ledger.

Each migration has a number and the SQL for each dialect. A store records applied
versions in ``ledger_migrations`` and applies the missing ones, in order, exactly once.
PostgreSQL takes a transaction-scoped advisory lock first, so several gateway processes
starting together against one database never race; SQLite takes its write lock
(``BEGIN IMMEDIATE``). A new schema change is a new entry at the end of :data:`MIGRATIONS`;
an applied migration is never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.ledger.tables_sql import (
    BATCH_OWNERS,
    CALLS_TABLE,
    FORWARD,
    batch_tables,
    calls_table,
    feedback_table,
    kept_table,
    shared_state,
)

# Key for pg_advisory_xact_lock: a fixed 64-bit number private to fulcrum's ledger.
ADVISORY_LOCK_KEY = 0x66756C6372756D  # "fulcrum"

MIGRATIONS_TABLE = "ledger_migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


_INDEXES = (
    f"CREATE INDEX ix_{CALLS_TABLE}_ts ON {CALLS_TABLE} (ts)",
    f"CREATE INDEX ix_{CALLS_TABLE}_session ON {CALLS_TABLE} (session)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        name="create ledger_calls",
        # SQLite: time as fixed-width ISO text (sorts correctly), money as exact decimal text.
        sqlite=(
            calls_table(ts="TEXT", money="TEXT", real="REAL", boolean="INTEGER"),
            *_INDEXES,
        ),
        postgres=(
            calls_table(
                ts="TIMESTAMPTZ", money="NUMERIC", real="DOUBLE PRECISION", boolean="BOOLEAN"
            ),
            *_INDEXES,
        ),
    ),
    Migration(
        version=2,
        name="add ledger_calls.busy_ms (a local call's share of machine time)",
        sqlite=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN busy_ms REAL",),
        postgres=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN busy_ms DOUBLE PRECISION",),
    ),
    Migration(
        version=3,
        name="add ledger_calls.attempts (every backend tried, failed or answering)",
        sqlite=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN attempts TEXT",),
        postgres=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN attempts JSONB",),
    ),
    Migration(
        version=4,
        name="add the routing decision: rule, frontier_score, threshold, decision",
        sqlite=(
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN rule TEXT",
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN frontier_score REAL",
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN threshold REAL",
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN decision TEXT",
        ),
        postgres=(
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN rule TEXT",
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN frontier_score DOUBLE PRECISION",
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN threshold DOUBLE PRECISION",
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN decision JSONB",
        ),
    ),
    Migration(
        version=5,
        name="budget_windows, budget_holds and route_sessions (state shared by gateways)",
        sqlite=shared_state(money="TEXT", real="REAL", json="TEXT"),
        postgres=shared_state(money="NUMERIC", real="DOUBLE PRECISION", json="JSONB"),
    ),
    Migration(
        version=6,
        name="ledger_feedback (a client's good/bad label on a request or a session)",
        sqlite=feedback_table(ts="TEXT"),
        postgres=feedback_table(ts="TIMESTAMPTZ"),
    ),
    Migration(
        version=7,
        name="batch_files, batch_jobs and batch_items (the durable batch queue)",
        sqlite=batch_tables(blob="BLOB", real="REAL", json="TEXT"),
        postgres=batch_tables(blob="BYTEA", real="DOUBLE PRECISION", json="TEXT"),
    ),
    Migration(
        version=8,
        name="batch_items.forward_backend and forward_id (items sent to a provider's batch API)",
        sqlite=FORWARD,
        postgres=FORWARD,
    ),
    Migration(
        version=9,
        name="add ledger_calls.context_tokens (tokens of context the gateway added)",
        sqlite=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN context_tokens INTEGER NOT NULL DEFAULT 0",),
        postgres=(
            f"ALTER TABLE {CALLS_TABLE} ADD COLUMN context_tokens INTEGER NOT NULL DEFAULT 0",
        ),
    ),
    Migration(
        version=10,
        name="responses_kept (Responses answers kept for previous_response_id)",
        sqlite=kept_table(real="REAL"),
        postgres=kept_table(real="DOUBLE PRECISION"),
    ),
    Migration(
        version=11,
        name="batch_files.client_key and batch_jobs.client_key (whose they are)",
        sqlite=BATCH_OWNERS,
        postgres=BATCH_OWNERS,
    ),
    Migration(
        version=12,
        name="add ledger_calls.client_key (the name of the client key a call came with)",
        sqlite=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN client_key TEXT",),
        postgres=(f"ALTER TABLE {CALLS_TABLE} ADD COLUMN client_key TEXT",),
    ),
)


def check_sequence(migrations: tuple[Migration, ...]) -> None:
    """Migrations must be numbered 1, 2, 3... with no gap or repeat."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"ledger migrations must be numbered 1..n in order, got {versions}")


def apply_pending(
    execute: Callable[..., Any],
    migrations: tuple[Migration, ...],
    dialect: Literal["sqlite", "postgres"],
    record_sql: str,
) -> list[int]:
    """Run the migrations not yet in :data:`MIGRATIONS_TABLE`, in order, each recorded with
    ``record_sql`` (parameters: version, name); return the versions applied. The caller holds
    the lock and the transaction."""
    done = {v for (v,) in execute(f"SELECT version FROM {MIGRATIONS_TABLE}")}
    check_version(max(done, default=0), migrations, reader=False)
    applied: list[int] = []
    for migration in migrations:
        if migration.version in done:
            continue
        for statement in getattr(migration, dialect):
            execute(statement)
        execute(record_sql, (migration.version, migration.name))
        applied.append(migration.version)
    return applied


def check_version(found: int, migrations: tuple[Migration, ...], *, reader: bool) -> None:
    """A database migrated by a newer fulcrum is refused (its writer might not know a column
    that matters); a reader, which never migrates, also refuses an older or empty one."""
    known = len(migrations)
    if found > known:
        raise LedgerUnavailable(
            f"the ledger database is at schema version {found}, newer than this fulcrum "
            f"knows ({known}): upgrade fulcrum"
        )
    if reader and found < known:
        state = "has no fulcrum schema" if found == 0 else f"is at schema version {found}"
        raise LedgerUnavailable(
            f"the ledger database {state}, this fulcrum reads version {known}: "
            "run `fulcrum serve` once on it to migrate it"
        )
