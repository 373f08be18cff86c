"""Claude Code lines that stand for one API response: merged into one record, whatever the
order of the lines and files, and whether or not each line has its ``requestId``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

from .logs import assistant, write_jsonl


def _import(tmp_path: Path, projects: Path) -> dict[str, Any]:
    summary = run_import("claude-code", [str(projects)], ImportContext(env={}, home=tmp_path))
    records = UsageStore().records()
    return {"records": records, "summary": summary}


def _no_request_id(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "requestId"}


@pytest.mark.parametrize("first_has_id", [True, False], ids=["id-then-none", "none-then-id"])
def test_lines_of_one_message_with_and_without_request_id_count_once(
    tmp_path: Path, first_has_id: bool
) -> None:
    partial = assistant("msg_1", "req_1", "2026-11-02T09:12:00Z", inp=10, out=5, read=4000)
    final = assistant("msg_1", "req_1", "2026-11-02T09:12:03Z", inp=10, out=90, read=4000)
    lines = [partial, _no_request_id(final)] if first_has_id else [_no_request_id(partial), final]
    projects = tmp_path / "projects"
    write_jsonl(projects / "-p" / "s.jsonl", lines)
    found = _import(tmp_path, projects)
    [record] = found["records"]
    assert (record.key, record.input_tokens, record.cache_read_tokens) == ("msg_1/req_1", 10, 4000)
    assert record.output_tokens == 90
    assert found["summary"].log.duplicates == 1


def test_a_partial_copy_in_a_later_file_does_not_replace_the_final_line(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    partial = assistant("msg_1", "req_1", "2026-11-02T09:12:00Z", inp=10, out=1, write_1h=500)
    final = assistant("msg_1", "req_1", "2026-11-02T09:12:05Z", inp=10, out=300, write_1h=500)
    write_jsonl(projects / "-p" / "a-session.jsonl", [partial, final])
    write_jsonl(projects / "-p" / "b-forked.jsonl", [{**partial, "sessionId": "fork"}])
    [record] = _import(tmp_path, projects)["records"]
    assert record.output_tokens == 300 and record.cache_write_1h_tokens == 500
    assert record.session == "sess-1" and record.ts.second == 5


def test_a_partial_copy_imported_later_does_not_replace_the_stored_line(tmp_path: Path) -> None:
    # Claude Code deletes old logs: a resumed session's partial copy of a response can be all
    # that is left by the next import (and it is logged later than the complete line)
    final = assistant("msg_1", "req_1", "2026-11-02T09:12:05Z", inp=10, out=5000)
    copy = {**assistant("msg_1", "req_1", "2026-11-02T10:00:00Z", inp=10, out=5),
            "sessionId": "resumed"}  # fmt: skip
    first, later = tmp_path / "first", tmp_path / "later"
    write_jsonl(first / "-p" / "a.jsonl", [final])
    write_jsonl(later / "-p" / "b.jsonl", [copy])
    _import(tmp_path, first)
    [record] = _import(tmp_path, later)["records"]
    assert record.output_tokens == 5000  # the larger count kept
    assert record.session == "resumed"  # the rest from the later line, as within one import


@pytest.mark.parametrize("first_has_id", [True, False], ids=["id-first", "none-first"])
def test_lines_with_and_without_request_id_imported_apart_count_once(
    tmp_path: Path, first_has_id: bool
) -> None:
    with_id = assistant("msg_1", "req_1", "2026-11-02T09:12:00Z", inp=10, out=500)
    without = _no_request_id(assistant("msg_1", "req_1", "2026-11-02T09:12:03Z", inp=10, out=5))
    first, later = tmp_path / "first", tmp_path / "later"
    write_jsonl(first / "-p" / "a.jsonl", [with_id if first_has_id else without])
    write_jsonl(later / "-p" / "b.jsonl", [without if first_has_id else with_id])
    _import(tmp_path, first)
    [record] = _import(tmp_path, later)["records"]
    assert (record.key, record.output_tokens) == ("msg_1/req_1", 500)
