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

# Key for pg_advisory_xact_lock: a fixed 64-bit number private to fulcrum's ledger.
ADVISORY_LOCK_KEY = 0x66756C6372756D  # "fulcrum"

MIGRATIONS_TABLE = "ledger_migrations"
CALLS_TABLE = "ledger_calls"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


def _calls_table(*, ts: str, money: str, real: str, boolean: str) -> str:
    return f"""
CREATE TABLE {CALLS_TABLE} (
    id TEXT PRIMARY KEY,
    ts {ts} NOT NULL,
    session TEXT,
    client TEXT,
    route TEXT,
    route_reason TEXT,
    backend TEXT NOT NULL,
    backend_kind TEXT NOT NULL CHECK (backend_kind IN ('local', 'api')),
    provider TEXT,
    model TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    stream {boolean} NOT NULL,
    status INTEGER NOT NULL,
    error TEXT,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    ttft_ms {real},
    duration_ms {real},
    decode_tps {real},
    tool_repairs INTEGER NOT NULL,
    tool_retries INTEGER NOT NULL,
    cost_usd {money},
    counterfactual_usd {money},
    saving_usd {money},
    request_body TEXT,
    response_body TEXT,
    source TEXT NOT NULL CHECK (source IN ('gateway', 'eval'))
)"""


def _shared_state(*, money: str, real: str, json: str) -> tuple[str, ...]:
    """Routing state several gateway processes share: budget windows and holds, session pins."""
    return (
        f"CREATE TABLE budget_windows (name TEXT NOT NULL, period TEXT NOT NULL, "
        f"spent {money} NOT NULL DEFAULT 0, PRIMARY KEY (name, period))",
        f"CREATE TABLE budget_holds (reservation TEXT NOT NULL, name TEXT NOT NULL, "
        f"period TEXT NOT NULL, amount {money} NOT NULL, expires_at {real} NOT NULL, "
        "PRIMARY KEY (reservation, name, period))",
        "CREATE INDEX ix_budget_holds_window ON budget_holds (name, period)",
        f"CREATE TABLE route_sessions (session TEXT NOT NULL, lane TEXT NOT NULL, "
        f"backend TEXT NOT NULL, model TEXT, side TEXT NOT NULL, rule TEXT, decided_by TEXT "
        f"NOT NULL, decided_at {real} NOT NULL, decision {json} NOT NULL, touched_at {real} "
        "NOT NULL, PRIMARY KEY (session, lane))",
        "CREATE INDEX ix_route_sessions_touched ON route_sessions (touched_at)",
    )


def _feedback_table(*, ts: str) -> tuple[str, ...]:
    return (
        f"CREATE TABLE ledger_feedback (id TEXT PRIMARY KEY, ts {ts} NOT NULL, "
        "request_id TEXT, session TEXT, label TEXT NOT NULL CHECK (label IN ('good', 'bad')), "
        "note TEXT, client_key TEXT)",
        "CREATE INDEX ix_ledger_feedback_request ON ledger_feedback (request_id)",
        "CREATE INDEX ix_ledger_feedback_session ON ledger_feedback (session)",
    )


# A batch item no local backend serves: the api backend it goes to, and the provider batch
# that took it (durable: a restarted gateway polls that batch again, never submits it twice).
_FORWARD = (
    "ALTER TABLE batch_items ADD COLUMN forward_backend TEXT",
    "ALTER TABLE batch_items ADD COLUMN forward_id TEXT",
    "CREATE INDEX ix_batch_items_forward ON batch_items (forward_id)",
)

_BATCH_TABLES = (
    "CREATE TABLE batch_files (id TEXT PRIMARY KEY, created_at {real} NOT NULL, "
    "filename TEXT NOT NULL, purpose TEXT NOT NULL, bytes BIGINT NOT NULL, "
    "content {blob} NOT NULL)",
    "CREATE TABLE batch_jobs (id TEXT PRIMARY KEY, api TEXT NOT NULL, created_at "
    "{real} NOT NULL, endpoint TEXT NOT NULL, input_file_id TEXT, completion_window "
    "TEXT, metadata {json}, total INTEGER NOT NULL, cancelled_at {real}, "
    "output_file_id TEXT NOT NULL UNIQUE, error_file_id TEXT NOT NULL UNIQUE)",
    "CREATE TABLE batch_items (id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, "
    "line INTEGER NOT NULL, custom_id TEXT NOT NULL, body {json} NOT NULL, "
    "state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done')), "
    "queued_at {real} NOT NULL, not_before {real} NOT NULL, lease_until {real}, "
    "claim TEXT, attempts INTEGER NOT NULL DEFAULT 0, outcome TEXT, "
    "status_code INTEGER, result {json}, finished_at {real}, "
    "UNIQUE (batch_id, line))",
    "CREATE INDEX ix_batch_items_state ON batch_items (state, queued_at, line)",
    "CREATE INDEX ix_batch_items_batch ON batch_items (batch_id, state)",
)


def _batch_tables(*, blob: str, real: str, json: str) -> tuple[str, ...]:
    """The batch queue's tables (migration 7) in one dialect's types."""
    return tuple(t.format(blob=blob, real=real, json=json) for t in _BATCH_TABLES)


_KEPT = (
    "CREATE TABLE responses_kept (id TEXT PRIMARY KEY, client_key TEXT, created_at {real} "
    "NOT NULL, previous TEXT, root TEXT NOT NULL, touched_at {real} NOT NULL, input TEXT NOT "
    "NULL, response TEXT NOT NULL, turn TEXT NOT NULL)",
    "CREATE INDEX ix_responses_kept_root ON responses_kept (root)",
    "CREATE INDEX ix_responses_kept_touched ON responses_kept (touched_at)",
)


def _kept_table(*, real: str) -> tuple[str, ...]:
    """Kept Responses answers (migration 10) in one dialect's types."""
    return tuple(t.format(real=real) for t in _KEPT)


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
            _calls_table(ts="TEXT", money="TEXT", real="REAL", boolean="INTEGER"),
            *_INDEXES,
        ),
        postgres=(
            _calls_table(
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
        sqlite=_shared_state(money="TEXT", real="REAL", json="TEXT"),
        postgres=_shared_state(money="NUMERIC", real="DOUBLE PRECISION", json="JSONB"),
    ),
    Migration(
        version=6,
        name="ledger_feedback (a client's good/bad label on a request or a session)",
        sqlite=_feedback_table(ts="TEXT"),
        postgres=_feedback_table(ts="TIMESTAMPTZ"),
    ),
    Migration(
        version=7,
        name="batch_files, batch_jobs and batch_items (the durable batch queue)",
        sqlite=_batch_tables(blob="BLOB", real="REAL", json="TEXT"),
        postgres=_batch_tables(blob="BYTEA", real="DOUBLE PRECISION", json="TEXT"),
    ),
    Migration(
        version=8,
        name="batch_items.forward_backend and forward_id (items sent to a provider's batch API)",
        sqlite=_FORWARD,
        postgres=_FORWARD,
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
        sqlite=_kept_table(real="REAL"),
        postgres=_kept_table(real="DOUBLE PRECISION"),
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
    applied: list[int] = []
    for migration in migrations:
        if migration.version in done:
            continue
        for statement in getattr(migration, dialect):
            execute(statement)
        execute(record_sql, (migration.version, migration.name))
        applied.append(migration.version)
    return applied
