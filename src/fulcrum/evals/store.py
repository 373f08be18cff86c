"""Eval results in the ledger's SQLite database, in tables of their own.

Tables (prefix ``eval_``, versioned by ``eval_schema_version``, independent of the ledger's
own migrations):

- ``eval_runs(run_id, suite, created_at, config)`` — one row per named run;
- ``eval_attempts(run_id, model, spec_id, epoch, ...)`` — one row per finished attempt; the
  primary key is what makes a run resumable: an attempt with a row is never run again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError

SCHEMA_VERSION = 1
NO_RUNS = "no eval runs recorded yet; run `fulcrum eval run` first"
_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE IF NOT EXISTS eval_runs (
        run_id TEXT PRIMARY KEY,
        suite TEXT NOT NULL,
        created_at TEXT NOT NULL,
        config TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS eval_attempts (
        run_id TEXT NOT NULL REFERENCES eval_runs(run_id),
        model TEXT NOT NULL,
        spec_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        spec_group TEXT,
        passed INTEGER NOT NULL,
        status TEXT NOT NULL,
        tries INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        duration_s REAL NOT NULL,
        error TEXT,
        output_tail TEXT,
        finished_at TEXT NOT NULL,
        PRIMARY KEY (run_id, model, spec_id, epoch)
    );
    """,
}


def session_id(run_id: str, model: str, spec_id: str, epoch: int) -> str:
    """The ``X-Fulcrum-Session`` of one attempt; the gateway writes it on every ledger row."""
    return f"eval:{run_id}:{model}:{spec_id}:{epoch}"


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    model: str
    spec_id: str
    epoch: int
    spec_group: str | None
    passed: bool
    status: str  # "passed" | "failed" | "timeout" | "error"
    tries: int
    input_tokens: int
    output_tokens: int
    duration_s: float
    error: str | None = None
    output_tail: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.model, self.spec_id, self.epoch)


class EvalStore:
    """A thread-safe handle on the eval tables; every write commits at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._migrate()

    @classmethod
    def recorded(cls, path: Path) -> EvalStore:
        """The store to read runs from: a database never written holds no run, and reading
        one must not create it (an empty ledger file made `fulcrum ledger` say "no calls")."""
        if not path.is_file():
            raise InputError(NO_RUNS)
        return cls(path)

    def _migrate(self) -> None:
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS eval_schema_version (version INTEGER)")
            row = self._db.execute("SELECT MAX(version) FROM eval_schema_version").fetchone()
            current = int(row[0] or 0)
            for version in range(current + 1, SCHEMA_VERSION + 1):
                self._db.executescript(_MIGRATIONS[version])
                self._db.execute("INSERT INTO eval_schema_version VALUES (?)", (version,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def ensure_run(
        self, run_id: str, suite: str, config: dict[str, Any]
    ) -> tuple[str, dict[str, Any]] | None:
        """Create the run if new (``None``); else return its recorded ``(suite, config)``, for
        the caller to check that a resume is the same run."""
        with self._lock, self._db:
            found = self._db.execute(
                "SELECT suite, config FROM eval_runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            if found:
                return str(found[0]), dict(json.loads(found[1]))
            self._db.execute(
                "INSERT INTO eval_runs VALUES (?, ?, ?, ?)",
                (run_id, suite, datetime.now(UTC).isoformat(), json.dumps(config, sort_keys=True)),
            )
            return None

    def record(self, run_id: str, rec: AttemptRecord) -> None:
        values = asdict(rec)
        values["passed"] = int(rec.passed)
        cols = ["run_id", *values, "finished_at"]
        row = [run_id, *values.values(), datetime.now(UTC).isoformat()]
        sql = f"INSERT OR REPLACE INTO eval_attempts ({', '.join(cols)}) VALUES "
        sql += f"({', '.join('?' for _ in cols)})"
        with self._lock, self._db:
            self._db.execute(sql, row)

    def done_keys(self, run_id: str) -> set[tuple[str, str, int]]:
        """Attempts with a result (``error`` rows are retried, so they do not count)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT model, spec_id, epoch FROM eval_attempts "
                "WHERE run_id = ? AND status != 'error'",
                (run_id,),
            ).fetchall()
        return {(str(m), str(s), int(e)) for m, s, e in rows}

    def attempts(self, run_id: str) -> list[AttemptRecord]:
        names = [f.name for f in fields(AttemptRecord)]
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(names)} FROM eval_attempts WHERE run_id = ? "
                "ORDER BY model, spec_id, epoch",
                (run_id,),
            ).fetchall()
        out = []
        for row in rows:
            data = dict(zip(names, row, strict=True))
            data["passed"] = bool(data["passed"])
            out.append(AttemptRecord(**data))
        return out

    def ledger_costs(self, run_id: str) -> dict[str, tuple[Decimal | None, int]]:
        """Per gateway session of this run: (summed cost, or None if any call is unpriced; calls).

        Reads the ledger's ``ledger_calls`` rows whose session the eval set
        (:func:`session_id`); empty when the calls did not go through a metering gateway.
        """
        prefix = f"eval:{run_id}:"
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        try:
            with self._lock:
                rows = self._db.execute(
                    "SELECT session, cost_usd FROM ledger_calls WHERE session LIKE ? ESCAPE '\\'",
                    (pattern,),
                ).fetchall()
        except sqlite3.OperationalError:
            return {}
        out: dict[str, tuple[Decimal | None, int]] = {}
        for session, cost in rows:
            total, calls = out.get(str(session), (Decimal(0), 0))
            value = None if cost is None or total is None else total + Decimal(str(cost))
            out[str(session)] = (value, calls + 1)
        return out

    def runs(self) -> list[tuple[str, str, str]]:
        """``(run_id, suite, created_at)`` of every run, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT run_id, suite, created_at FROM eval_runs ORDER BY created_at DESC"
            ).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]
