"""The tables the ledger's migrations create (:mod:`fulcrum.ledger.migrations`), as SQL
templates per dialect's types. An applied migration is never edited: neither is its table here.
"""

from __future__ import annotations

CALLS_TABLE = "ledger_calls"


def calls_table(*, ts: str, money: str, real: str, boolean: str) -> str:
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


def shared_state(*, money: str, real: str, json: str) -> tuple[str, ...]:
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


def feedback_table(*, ts: str) -> tuple[str, ...]:
    return (
        f"CREATE TABLE ledger_feedback (id TEXT PRIMARY KEY, ts {ts} NOT NULL, "
        "request_id TEXT, session TEXT, label TEXT NOT NULL CHECK (label IN ('good', 'bad')), "
        "note TEXT, client_key TEXT)",
        "CREATE INDEX ix_ledger_feedback_request ON ledger_feedback (request_id)",
        "CREATE INDEX ix_ledger_feedback_session ON ledger_feedback (session)",
    )


# A batch item no local backend serves: the api backend it goes to, and the provider batch
# that took it (durable: a restarted gateway polls that batch again, never submits it twice).
FORWARD = (
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


def batch_tables(*, blob: str, real: str, json: str) -> tuple[str, ...]:
    """The batch queue's tables (migration 7) in one dialect's types."""
    return tuple(t.format(blob=blob, real=real, json=json) for t in _BATCH_TABLES)


_KEPT = (
    "CREATE TABLE responses_kept (id TEXT PRIMARY KEY, client_key TEXT, created_at {real} "
    "NOT NULL, previous TEXT, root TEXT NOT NULL, touched_at {real} NOT NULL, input TEXT NOT "
    "NULL, response TEXT NOT NULL, turn TEXT NOT NULL)",
    "CREATE INDEX ix_responses_kept_root ON responses_kept (root)",
    "CREATE INDEX ix_responses_kept_touched ON responses_kept (touched_at)",
)


def kept_table(*, real: str) -> tuple[str, ...]:
    """Kept Responses answers (migration 10) in one dialect's types."""
    return tuple(t.format(real=real) for t in _KEPT)


# The client key (its name) that uploaded a batch file or created a batch: another key's
# client neither sees nor touches them (NULL: a gateway without client keys).
BATCH_OWNERS = (
    "ALTER TABLE batch_files ADD COLUMN client_key TEXT",
    "ALTER TABLE batch_jobs ADD COLUMN client_key TEXT",
)
