"""A recorded gateway ledger holding every outcome signal, written with the ledger API, and
feedback written with ``record_feedback`` on the same SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fulcrum.ledger import LedgerRow, open_store
from fulcrum.ledger.attempts import Attempt
from fulcrum.routing.budget import open_database
from fulcrum.routing.outcomes.feedback import Feedback, record_feedback

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LOCAL = {"backend": "llama", "backend_kind": "local", "model": "qwen-local"}
FRONTIER = {"backend": "claude", "backend_kind": "api", "model": "claude-sonnet-4-6"}


def at(minute: float) -> datetime:
    return START + timedelta(minutes=minute)


def body(text: str, *, model: str = "claude-sonnet-4-6", tool_loop: bool = False) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": text}]
    if tool_loop:
        messages += [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "sh",
                                               "input": {"cmd": "pytest"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                          "content": "1 failed", "is_error": True}]},
        ]  # fmt: skip
    tools = [{"name": "sh", "input_schema": {"type": "object"}}]
    return json.dumps({"model": model, "max_tokens": 1000, "messages": messages, "tools": tools})


def attempt(backend: str, reason: str | None, status: int | None = 200) -> Attempt:
    return Attempt(backend, "m", status, reason, 0.0, 10.0)


def row(rid: str, session: str | None, minute: float, text: str | None, *, local: bool,
        **kw: Any) -> LedgerRow:  # fmt: skip
    side = LOCAL if local else FRONTIER
    stored = body(text) if text is not None else None
    base: dict[str, Any] = {"id": rid, "session": session, "ts": at(minute),
                            "endpoint": "/v1/messages", "request_body": stored, **side}  # fmt: skip
    return LedgerRow(**{**base, **kw})


def rows() -> list[LedgerRow]:
    timeout = attempt("llama", "no response within the timeout", None)
    down = attempt("llama", "cannot connect (Connection refused)", None)
    return [
        row("ok", "A", 0, "rename the helper", local=True),
        row("fb-bad", "B", 1, "write the parser", local=True),
        row("fb-good", "B", 2, "add a test for it", local=True),
        row("fo", "C", 3, "prove the lemma", local=False,
            attempts=(attempt("llama", "HTTP 500", 500), attempt("claude", None))),
        row("fo-bad", "C", 4, "prove the corollary", local=False,
            attempts=(timeout, attempt("claude", None))),
        row("fo-down", "C", 5, "and the theorem", local=False,
            attempts=(down, attempt("claude", None))),
        row("e1", "E", 6, "set up the project", local=True),
        row("e2", "E", 7, "port the module", local=True),
        row("e3", "E", 8, None, local=True),  # no stored body: no text
        row("e4", "E", 9, "the port is wrong", local=True),
        row("e5", "E", 10, "do it properly", local=False, route_reason="escalate:header"),
        row("r1", "R", 11, "fix the flaky test", local=True),
        row("r2", "R", 11.5, "fix the flaky test", local=False),  # the retry, on the frontier
        row("q1", "Q", 12, "explain the cache", local=True),
        row("q2", "Q", 12.5, "explain the cache", local=True),  # retried, locally again
        row("w1", "W", 13, "tidy the imports", local=True),
        row("w2", "W", 16, "tidy the imports", local=False),  # past the 120 s window
        row("t1", "T", 17, "run the tests", local=True),
        row("t2", "T", 17.5, None, local=True, request_body=body("run the tests", tool_loop=True)),
        row("s1", "S", 18, "summarize the diff", local=True),
        row("s2", "S", 19, "write the changelog", local=True),
        row("s3", "S", 21, "bump the version", local=True),  # after the session's label
        row("g1", "G", 22, "list the endpoints", local=True),
        row("bg", "A", 23, None, local=True,
            request_body=body("a title", model="claude-haiku-4-5")),
        row("err", "A", 24, "crash it", local=True, status=500, error="HTTP 500"),
        row("fr", "F", 25, "design the schema", local=False),
        row("ev", None, 26, "an eval call", local=True, source="eval"),
    ]  # fmt: skip


def feedback() -> list[Feedback]:
    return [
        Feedback("good", request_id="fb-bad", ts=at(30)),
        Feedback("bad", request_id="fb-bad", ts=at(31)),  # the latest label wins
        Feedback("good", request_id="fb-good", ts=at(32)),
        Feedback("bad", request_id="fo-bad", ts=at(33)),
        Feedback("bad", session="S", ts=at(20)),
        Feedback("good", session="G", ts=at(34)),
        Feedback("bad", request_id="fr", ts=at(35)),  # a frontier answer: dropped
        Feedback("bad", request_id="nowhere", ts=at(36)),  # no such request
    ]


def write_ledger(path: Path) -> Path:
    store = open_store(str(path))
    try:
        store.insert_many(rows())
    finally:
        store.close()
    db = open_database(str(path))
    try:
        for fb in feedback():
            record_feedback(db, fb)
    finally:
        db.close()
    return path
