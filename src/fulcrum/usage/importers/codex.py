"""Codex CLI session logs: the rollout JSONL files under ``$CODEX_HOME/sessions`` (default
``~/.codex/sessions``; ``YYYY/MM/DD/rollout-*.jsonl``).

Every line is ``{"timestamp", "type", "payload"}``. One model call is one
``token_usage_record`` line: ``payload`` holds ``session_id``, ``response_id`` (the record's
key) and ``usage`` in OpenAI's terms — ``input_tokens`` counting ``cached_input_tokens`` and
``cache_write_input_tokens``, ``output_tokens`` counting ``reasoning_output_tokens`` — read
here with Anthropic's meaning (input without the cache's reads and writes). A log of a release
that writes no such line has the same numbers in each ``event_msg`` of type ``token_count``
(``info.last_token_usage``); the file is read from those instead, a repeat with an unchanged
``info.total_token_usage`` being the same call. The model is that of the last ``turn_context``
line before the call (``payload.model``), the project the session's ``cwd``. A line that
cannot be read is a problem with its file and line number; other line types are not usage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError
from fulcrum.usage.importers import values
from fulcrum.usage.importers.jsonl import each_file, file_bytes
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

SOURCE = "codex"
RECORD = "token_usage_record"
COUNT = "token_count"


class CodexImporter:
    name = SOURCE
    help = "Codex CLI session logs (rollout JSONL files or directories of them)"

    def default_sources(self, ctx: ImportContext) -> list[str]:
        home = Path(ctx.env["CODEX_HOME"]).expanduser() if ctx.env.get("CODEX_HOME") else None
        sessions = (home or ctx.home / ".codex") / "sessions"
        if not sessions.is_dir():
            raise InputError(f"no Codex CLI logs found in {sessions}; pass PATH")
        return [str(sessions)]

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]:
        for file in each_file(source, log, ctx):
            yield from _read_file(file, log)


@dataclass(slots=True)
class _Session:
    """What the lines before a call said: the session, its directory, the model in use."""

    file: Path
    session: str | None = None
    project: str | None = None
    model: str | None = None
    counted: Any = None  # the last token_count's total, to tell a repeat
    records: bool = False  # the file has token_usage_record lines: token_count is not read


def _read_file(file: Path, log: ImportLog) -> Iterator[UsageRecord]:
    entries = list(_entries(file, log))
    records = any(isinstance(e, dict) and e.get("type") == RECORD for _, e in entries)
    state = _Session(file, records=records)
    for number, entry in entries:
        try:
            record = _entry(entry, state, number) if isinstance(entry, dict) else None
        except ValueError as exc:
            log.problem(file, number, str(exc))
            continue
        if record is not None:
            yield record


def _entries(file: Path, log: ImportLog) -> Iterator[tuple[int, Any]]:
    """Each line's JSON with its number (a line that is not JSON is a problem)."""
    data = file_bytes(file, log)
    for number, raw in enumerate(data.split(b"\n") if data is not None else [], 1):
        if not raw.strip():
            continue
        log.lines += 1
        try:
            yield number, json.loads(raw)
        except UnicodeDecodeError:
            log.problem(file, number, "not UTF-8")
        except (ValueError, RecursionError):
            log.problem(file, number, "not valid JSON")


def _entry(entry: Mapping[str, Any], state: _Session, number: int) -> UsageRecord | None:
    kind, payload = entry.get("type"), entry.get("payload")
    if not isinstance(payload, Mapping):
        return None
    if kind in ("session_meta", "turn_context"):
        state.session = _text(payload.get("session_id") or payload.get("id")) or state.session
        state.project = _text(payload.get("cwd")) or state.project
        state.model = _text(payload.get("model")) or state.model
        return None
    if kind == RECORD:
        usage = payload.get("usage")
        key = _text(payload.get("response_id"))
        if key is None:
            raise ValueError("payload.response_id missing")
        session = _text(payload.get("session_id")) or state.session
        return _record(entry, usage, key, state, number, session=session)
    if kind == "event_msg" and payload.get("type") == COUNT and not state.records:
        return _counted(entry, payload, state, number)
    return None


def _counted(
    entry: Mapping[str, Any], payload: Mapping[str, Any], state: _Session, number: int
) -> UsageRecord | None:
    info = payload.get("info")
    if not isinstance(info, Mapping):  # a rate-limit update with no usage yet
        return None
    total = info.get("total_token_usage")
    if total == state.counted:  # the same call's count, said again
        return None
    state.counted = total
    # the session's running total tells its calls apart, in any file that logs them (a
    # resumed session's copy included); a line number would not, across files
    key = f"{state.session or state.file.name}/{_total_key(total, number)}"
    return _record(entry, info.get("last_token_usage"), key, state, number, session=state.session)


def _record(
    entry: Mapping[str, Any], usage: Any, key: str, state: _Session, number: int, *,
    session: str | None,
) -> UsageRecord:  # fmt: skip
    if not isinstance(usage, Mapping):
        raise ValueError("usage missing")
    if state.model is None:
        raise ValueError("no turn_context before the call names its model")
    prompt = values.whole("input_tokens", usage.get("input_tokens"))
    cached = _count(usage, "cached_input_tokens")
    written = _count(usage, "cache_write_input_tokens")
    return UsageRecord(
        source=SOURCE,
        key=key,
        ts=values.utc_time("timestamp", _text(entry.get("timestamp")) or ""),
        model=state.model,
        session=session,
        project=state.project,
        origin=f"{state.file}:{number}",
        input_tokens=max(prompt - cached - written, 0),
        output_tokens=values.whole("output_tokens", usage.get("output_tokens")),
        cache_read_tokens=cached,
        cache_write_tokens=written,
    )


def _count(usage: Mapping[str, Any], name: str) -> int:
    value = usage.get(name)
    return values.bounded(name, value) if values.is_count(value) else 0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _total_key(total: Any, number: int) -> str:
    """The running total a call's count line reports, as a key (its line without one)."""
    if isinstance(total, Mapping) and values.is_count(total.get("total_tokens")):
        return f"t{total['total_tokens']}"
    return f"line{number}"
