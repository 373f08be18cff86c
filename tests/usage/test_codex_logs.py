"""Codex CLI session logs: one record per call, in Anthropic's terms, from either log form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import InputError
from fulcrum.usage.importers import get
from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore


def line(kind: str, payload: Any, at: str = "2026-11-02T09:00:00.000Z") -> str:
    return json.dumps({"timestamp": at, "type": kind, "payload": payload})


def usage(prompt: int, cached: int, out: int) -> dict[str, int]:
    return {
        "input_tokens": prompt, "cached_input_tokens": cached, "cache_write_input_tokens": 0,
        "output_tokens": out, "reasoning_output_tokens": 0, "total_tokens": prompt + out,
    }  # fmt: skip


def record(response: str | None, used: Any, at: str = "2026-11-02T09:00:05.000Z") -> str:
    payload = {"session_id": "s1", "turn_id": "t1", "response_id": response, "usage": used}
    return line("token_usage_record", payload, at)


META = line("session_meta", {"id": "s1", "cwd": "/home/dev/shop", "cli_version": "0.171.0"})
TURN = line("turn_context", {"turn_id": "t1", "cwd": "/home/dev/shop", "model": "gpt-5.1-codex"})


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def ctx(tmp_path: Path, **env: str) -> ImportContext:
    return ImportContext(env=env, home=tmp_path / "home")


def test_each_usage_record_is_one_call(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    write(sessions / "2026/11/02/rollout-a.jsonl", [
        record("resp_0", usage(10, 0, 1)),  # before any turn_context: whose model?
        META, TURN,
        record("resp_1", usage(1200, 800, 30)),
        line("event_msg", {"type": "token_count", "info": {"last_token_usage": usage(1, 0, 1)}}),
        "{not json",
        record(None, usage(5, 0, 5)),
        record("resp_2", usage(400, 0, 12), at="2026-11-02T09:01:00Z"),
    ])  # fmt: skip
    summary = run_import("codex", [str(sessions)], ctx(tmp_path))
    assert (summary.records, summary.added, summary.log.files) == (2, 2, 1)
    problems = {(p.line, p.reason) for p in summary.log.problems}
    assert problems == {
        (1, "no turn_context before the call names its model"),
        (6, "not valid JSON"),
        (7, "payload.response_id missing"),
    }
    got = {r.key: r for r in UsageStore().records()}
    first = got["resp_1"]  # OpenAI counts cached tokens in the input; the record does not
    assert (first.input_tokens, first.cache_read_tokens, first.output_tokens) == (400, 800, 30)
    assert (first.model, first.session, first.project) == ("gpt-5.1-codex", "s1", "/home/dev/shop")
    assert got["resp_2"].ts == datetime(2026, 11, 2, 9, 1, tzinfo=UTC)
    again = run_import("codex", [str(sessions)], ctx(tmp_path))
    assert (again.records, again.added) == (2, 0)  # the response id is the key


def test_a_log_without_usage_records_is_read_from_its_token_counts(tmp_path: Path) -> None:
    first, second = usage(1000, 0, 20), usage(600, 500, 10)
    totals = [usage(1000, 0, 20), usage(1600, 500, 30)]
    count = [{"type": "token_count", "info": None},  # a rate-limit update: no usage yet
             {"type": "token_count", "info": {"last_token_usage": first,
                                              "total_token_usage": totals[0]}},
             {"type": "token_count", "info": {"last_token_usage": first,
                                              "total_token_usage": totals[0]}},  # said again
             {"type": "token_count", "info": {"last_token_usage": second,
                                              "total_token_usage": totals[1]}}]  # fmt: skip
    path = write(
        tmp_path / "rollout-old.jsonl", [META, TURN, *(line("event_msg", c) for c in count)]
    )
    summary = run_import("codex", [str(path)], ctx(tmp_path))
    assert (summary.records, summary.log.problems) == (2, [])
    calls = sorted(UsageStore().records(), key=lambda r: r.output_tokens)
    assert [(r.input_tokens, r.cache_read_tokens, r.output_tokens) for r in calls] == [
        (100, 500, 10),
        (1000, 0, 20),
    ]


def test_default_sessions_follow_codex_home(tmp_path: Path) -> None:
    importer = get("codex")
    with pytest.raises(InputError, match="no Codex CLI logs found"):
        importer.default_sources(ctx(tmp_path))
    (tmp_path / "home" / ".codex" / "sessions").mkdir(parents=True)
    assert importer.default_sources(ctx(tmp_path)) == [str(tmp_path / "home/.codex/sessions")]
    elsewhere = tmp_path / "codex-home"
    (elsewhere / "sessions").mkdir(parents=True)
    got = importer.default_sources(ctx(tmp_path, CODEX_HOME=str(elsewhere)))
    assert got == [str(elsewhere / "sessions")]


def _counts(*totals: dict[str, int]) -> list[str]:
    """token_count lines, each call's usage the step from the running total before it."""
    out, before = [], usage(0, 0, 0)
    for total in totals:
        step = {k: total[k] - before[k] for k in total}
        info = {"last_token_usage": step, "total_token_usage": total}
        out.append(line("event_msg", {"type": "token_count", "info": info}))
        before = total
    return out


def test_calls_from_several_files_are_all_kept_and_a_resumed_copy_is_not_counted_twice(
    tmp_path: Path,
) -> None:
    logs = tmp_path / "sessions"
    one, two, three = usage(100, 0, 10), usage(300, 0, 30), usage(600, 0, 60)
    write(logs / "rollout-1.jsonl", [META, TURN, *_counts(one, two)])
    write(logs / "rollout-2.jsonl", [META, TURN, *_counts(one, two, three)])  # resumed: a copy
    write(logs / "rollout-3.jsonl", [TURN, *_counts(one)])  # no session_meta: no session id
    write(logs / "rollout-4.jsonl", [TURN, *_counts(one)])
    summary = run_import("codex", [str(logs)], ctx(tmp_path))
    assert summary.log.problems == []
    outputs = sorted(r.output_tokens for r in UsageStore().records())
    assert outputs == [10, 10, 10, 20, 30]  # s1's three calls once; one call in each of 3 and 4


def test_a_message_that_says_token_usage_record_does_not_hide_the_counts(tmp_path: Path) -> None:
    words = [{"type": "input_text", "text": "token_usage_record"}]
    said = line("response_item", {"type": "message", "role": "user", "content": words})
    path = write(tmp_path / "rollout-a.jsonl", [META, TURN, said, *_counts(usage(100, 0, 10))])
    summary = run_import("codex", [str(path)], ctx(tmp_path))
    assert (summary.records, summary.log.problems) == (1, [])
