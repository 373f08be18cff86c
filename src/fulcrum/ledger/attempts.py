"""One try of one backend for a request: the ledger's record of retries and failover.

A call's row carries every attempt in order — the ones that failed (with the upstream's
status when one came, and why) and the one that answered — so a failover is visible in
the ledger, not only the backend that finally answered. Stored as a JSON array (SQLite
text, PostgreSQL ``jsonb``); times are milliseconds since the gateway received the request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fulcrum.wire import fastjson


@dataclass(frozen=True, slots=True)
class Attempt:
    backend: str
    model: str
    status: int | None  # the upstream's HTTP status; None when none came (timeout, refused)
    reason: str | None  # why the attempt failed; None for the one that answered
    start_ms: float  # since the request arrived
    duration_ms: float
    replica: str | None = None  # a pool's server (host:port) the try went to
    queue_ms: float | None = None  # how long it waited for a slot on the pool

    @property
    def failed(self) -> bool:
        return self.reason is not None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Attempt:
        status, reason = data.get("status"), data.get("reason")
        return cls(
            backend=str(data["backend"]),
            model=str(data["model"]),
            status=None if status is None else int(status),
            reason=None if reason is None else str(reason),
            start_ms=float(data["start_ms"]),
            duration_ms=float(data["duration_ms"]),
            replica=None if data.get("replica") is None else str(data["replica"]),
            queue_ms=None if data.get("queue_ms") is None else float(data["queue_ms"]),
        )


def attempts_to_json(attempts: Iterable[Attempt]) -> list[dict[str, Any]]:
    # Spelled out rather than dataclasses.asdict (which deep-copies): one per ledger row.
    return [_attempt_json(a) for a in attempts]


def _attempt_json(a: Attempt) -> dict[str, Any]:
    out: dict[str, Any] = {
        "backend": a.backend,
        "model": a.model,
        "status": a.status,
        "reason": a.reason,
        "start_ms": a.start_ms,
        "duration_ms": a.duration_ms,
    }
    if a.replica is not None:  # a pool's try: which server, and the wait for its slot
        out["replica"] = a.replica
    if a.queue_ms is not None:
        out["queue_ms"] = a.queue_ms
    return out


def dump_attempts(attempts: tuple[Attempt, ...]) -> str | None:
    """The database value: a JSON array, or NULL when nothing was recorded."""
    return fastjson.dumps(attempts_to_json(attempts)) if attempts else None


def load_attempts(value: object) -> tuple[Attempt, ...]:
    """Inverse of :func:`dump_attempts`; also takes the list a ``jsonb`` column reads as."""
    if value is None:
        return ()
    items = json.loads(value) if isinstance(value, str | bytes) else value
    if not isinstance(items, list):
        raise ValueError(f"attempts: expected a JSON array, got {type(items).__name__}")
    return tuple(Attempt.from_json(item) for item in items)
