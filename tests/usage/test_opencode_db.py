"""OpenCode's session database: one record per step-finish part, in Anthropic's terms."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import InputError
from fulcrum.usage.importers import get
from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

# the columns the importer reads, as OpenCode 1.18's schema names them
SCHEMA = """
CREATE TABLE session (id text PRIMARY KEY, project_id text NOT NULL, directory text NOT NULL,
                      title text NOT NULL, time_created integer NOT NULL);
CREATE TABLE message (id text PRIMARY KEY, session_id text NOT NULL,
                      time_created integer NOT NULL, data text NOT NULL);
CREATE TABLE part (id text PRIMARY KEY, message_id text NOT NULL, session_id text NOT NULL,
                   time_created integer NOT NULL, data text NOT NULL);
"""
AT = 1_796_290_966_495  # ms: 2026-12-03T09:42:46.495Z


def step(tokens: Any, **extra: Any) -> str:
    return json.dumps({"type": "step-finish", "reason": "stop", "tokens": tokens,
                       "cost": 0.01, **extra})  # fmt: skip


def tokens(inp: int, out: int, read: int = 0, write: int = 0) -> dict[str, Any]:
    return {"total": inp + out + read + write, "input": inp, "output": out, "reasoning": 0,
            "cache": {"write": write, "read": read}}  # fmt: skip


def database(path: Path, parts: list[tuple[str, str, str]]) -> Path:
    """``parts``: (part id, message id, its data); messages m1 (a model) and m2 (none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO session VALUES ('ses_1', 'p', '/home/ana/shop-api', 't', 0)")
    for mid, data in (("m1", {"role": "assistant", "modelID": "claude-sonnet-4-6"}),
                      ("m2", {"role": "assistant"})):  # fmt: skip
        conn.execute("INSERT INTO message VALUES (?, 'ses_1', 0, ?)", (mid, json.dumps(data)))
    for n, (pid, mid, data) in enumerate(parts):
        conn.execute("INSERT INTO part VALUES (?, ?, 'ses_1', ?, ?)", (pid, mid, AT + n, data))
    conn.commit()
    conn.close()
    return path


def test_each_step_is_one_call(tmp_path: Path) -> None:
    db = database(tmp_path / "data" / "opencode" / "opencode.db", [
        ("prt_1", "m1", step(tokens(1200, 30, read=800, write=100))),
        ("prt_2", "m1", json.dumps({"type": "text", "text": 'it said "step-finish"'})),
        ("prt_3", "m1", '{"type": "step-finish", "tokens": {'),  # cut off
        ("prt_4", "m2", step(tokens(5, 5))),
        ("prt_5", "m1", step({"input": -1})),
        ("prt_6", "m1", step(tokens(400, 12))),
    ])  # fmt: skip
    context = ImportContext(env={"XDG_DATA_HOME": str(tmp_path / "data")}, home=tmp_path)
    assert get("opencode").default_sources(context) == [str(db)]
    summary = run_import("opencode", [], context)
    assert summary.records == 2
    assert sorted(str(p).split(": ", 1)[1] for p in summary.log.problems) == [
        "the message names no modelID", "the part's data is not valid JSON",
        "tokens.input missing or not a whole number",
    ]  # fmt: skip
    first, second = sorted(UsageStore().records(), key=lambda r: r.ts)
    assert (first.key, first.session, first.project) == ("prt_1", "ses_1", "/home/ana/shop-api")
    assert first.ts == datetime(2026, 12, 3, 9, 42, 46, 495000, tzinfo=UTC)
    assert (first.input_tokens, first.cache_read_tokens, first.cache_write_tokens,
            first.output_tokens) == (1200, 800, 100, 30)  # fmt: skip
    assert (second.key, second.input_tokens, second.output_tokens) == ("prt_6", 400, 12)
    again = run_import("opencode", [str(db.parent)], context)  # a directory holding it
    assert again.records == 2 and len(UsageStore().records()) == 2  # the same calls once


def test_a_missing_or_foreign_database_is_one_clear_error(tmp_path: Path) -> None:
    context = ImportContext(env={}, home=tmp_path)
    with pytest.raises(InputError, match=r"no OpenCode database found at .*\.local/share"):
        get("opencode").default_sources(context)
    with pytest.raises(InputError, match="no OpenCode database"):
        run_import("opencode", [str(tmp_path)], context)
    (tmp_path / "opencode.db").write_text("not sqlite at all")
    with pytest.raises(InputError, match="not an OpenCode database"):
        run_import("opencode", [str(tmp_path / "opencode.db")], context)
