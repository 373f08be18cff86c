"""Realistic Claude Code session logs, written by the tests (shape of Claude Code 2.x lines)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROJECT = "/home/dev/shop"


def assistant(
    msg: str,
    req: str,
    ts: str,
    *,
    session: str = "sess-1",
    model: str = "claude-sonnet-4-5-20250929",
    inp: int = 0,
    out: int = 0,
    write_5m: int = 0,
    write_1h: int = 0,
    read: int = 0,
    cwd: str = PROJECT,
    sidechain: bool = False,
) -> dict[str, Any]:
    return {
        "parentUuid": None,
        "isSidechain": sidechain,
        "userType": "external",
        "cwd": cwd,
        "sessionId": session,
        "version": "2.1.3",
        "gitBranch": "main",
        "message": {
            "id": msg,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": None,
            "usage": {
                "input_tokens": inp,
                "cache_creation_input_tokens": write_5m + write_1h,
                "cache_read_input_tokens": read,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": write_5m,
                    "ephemeral_1h_input_tokens": write_1h,
                },
                "output_tokens": out,
                "service_tier": "standard",
                "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
            },
        },
        "requestId": req,
        "type": "assistant",
        "uuid": f"uuid-{msg}-{out}",
        "timestamp": ts,
    }


def user(ts: str, session: str = "sess-1") -> dict[str, Any]:
    return {
        "type": "user",
        "sessionId": session,
        "cwd": PROJECT,
        "message": {"role": "user", "content": "fix the bug"},
        "timestamp": ts,
    }


def write_jsonl(path: Path, lines: list[Any], *, tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    path.write_text(text + tail, encoding="utf-8")
    return path


def sample_projects(root: Path) -> Path:
    """Two sessions, one subagent log, streamed duplicates, synthetic and malformed lines.

    Kept (last line per message.id + requestId), all Sonnet 4.5 unless noted:
      m1/r1 2026-11-02T09:12Z  in 10, out 300, 5m write 1000, read 0
      m2/r2 2026-11-02T13:30Z  in 5,  out 50,  1h write 200, read 4000
      m3/r3 2026-11-02T14:20Z  in 7,  out 70,  read 1000          (new block: 14:00)
      s1/rs 2026-11-02T09:40Z  Haiku 4.5: in 100, out 20, read 500 (subagent)
      m4/r4 2026-11-03T08:00Z  Opus 4.1:  in 2,   out 10, read 100 (session 2, other project)
      m5/r5 2026-11-03T08:05Z  model "mystery-model": in 1, out 1  (unknown price)
    """
    projects = root / "projects"
    main = projects / "-home-dev-shop" / "sess-1.jsonl"
    write_jsonl(
        main,
        [
            user("2026-11-02T09:11:59Z"),
            assistant("m1", "r1", "2026-11-02T09:12:00.100Z", inp=10, out=1, write_5m=1000),
            assistant("m1", "r1", "2026-11-02T09:12:02.500Z", inp=10, out=120, write_5m=1000),
            assistant("m1", "r1", "2026-11-02T09:12:05.000Z", inp=10, out=300, write_5m=1000),
            assistant("m0", "r0", "2026-11-02T09:12:06Z", model="<synthetic>"),
            "{not json at all",
            {"type": "assistant", "timestamp": "2026-11-02T09:13:00Z", "message": {"id": "x"}},
            assistant("m2", "r2", "2026-11-02T13:30:00Z", inp=5, out=50, write_1h=200, read=4000),
            {"type": "summary", "summary": "Bug fix", "leafUuid": "u1"},
            assistant("m3", "r3", "2026-11-02T14:20:00Z", inp=7, out=70, read=1000),
        ],
    )
    sub = projects / "-home-dev-shop" / "sess-1" / "subagents" / "agent-a1.jsonl"
    haiku = "claude-haiku-4-5-20251001"
    write_jsonl(
        sub,
        [
            assistant("s1", "rs", "2026-11-02T09:40:00Z", model=haiku, out=5, sidechain=True),
            assistant("s1", "rs", "2026-11-02T09:40:01Z", model=haiku, inp=100, out=20, read=500),
        ],
    )
    other = projects / "-home-dev-api" / "sess-2.jsonl"
    opus = "claude-opus-4-1-20250805"
    write_jsonl(
        other,
        [
            assistant(
                "m4",
                "r4",
                "2026-11-03T08:00:00Z",
                session="sess-2",
                model=opus,
                inp=2,
                out=10,
                read=100,
                cwd="/home/dev/api",
            ),
            assistant(
                "m5",
                "r5",
                "2026-11-03T08:05:00Z",
                session="sess-2",
                model="mystery-model",
                inp=1,
                out=1,
                cwd="/home/dev/api",
            ),
        ],
        tail='{"type": "assistant", "message": {"id": "m6", "usa',
    )
    return projects
