"""Claude Code session logs: the JSONL files under ``~/.claude/projects/`` and each
``$CLAUDE_CONFIG_DIR`` (a comma-separated list) ``/projects``, subagent logs
(``<session>/subagents/*.jsonl``) included.

An assistant line carries ``timestamp``, ``sessionId``, ``cwd``, ``requestId`` and a
``message`` with ``id``, ``model`` and ``usage`` (``input_tokens``, ``output_tokens``,
``cache_creation_input_tokens`` split in ``cache_creation.ephemeral_5m_input_tokens`` /
``ephemeral_1h_input_tokens``, ``cache_read_input_tokens``, ``server_tool_use``). A
response logged on several lines (content blocks, streaming, a resumed session's copy) is
one record (:mod:`fulcrum.usage.importers.streamed`). ``service_tier`` and the
``costUSD`` of older versions (Claude Code's own estimate) are not read: every call is
priced from the catalog. ``<synthetic>`` rows (messages
Claude Code made up, no API call) are skipped and counted. Other line types (user,
summary, …) are not usage and are passed over. Every other line that cannot be used is a
problem with file and line number: not JSON, not UTF-8, a field missing, a count or a time
out of range (:mod:`fulcrum.usage.importers.values`). A file in UTF-16 is one problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError
from fulcrum.usage.importers import values
from fulcrum.usage.importers.jsonl import each_file, file_bytes
from fulcrum.usage.importers.streamed import Responses, key_of
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

SOURCE = "claude-code"
SYNTHETIC = "<synthetic>"


class ClaudeCodeImporter:
    name = SOURCE
    help = "Claude Code session logs (JSONL files or directories of them)"

    def default_sources(self, ctx: ImportContext) -> list[str]:
        dirs = [ctx.home / ".claude" / "projects"]
        for part in ctx.env.get("CLAUDE_CONFIG_DIR", "").split(","):
            if part.strip():
                dirs.append(Path(part.strip()).expanduser() / "projects")
        found = [str(d) for d in dirs if d.is_dir()]
        if not found:
            raise InputError(f"no Claude Code logs found in {', '.join(map(str, dirs))}; pass PATH")
        return found

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]:
        responses = Responses(log)
        for file in each_file(source, log, ctx):
            for message_id, request_id, record in _read_file(file, log):
                responses.add(message_id, request_id, record)
        yield from responses.records()


def _read_file(file: Path, log: ImportLog) -> Iterator[tuple[str, str, UsageRecord]]:
    """``(message.id, requestId, record)`` of each line that is usage."""
    data = file_bytes(file, log)
    if data is None:
        return
    lines = data.split(b"\n")
    ends_mid_line = lines[-1] != b""
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        log.lines += 1
        try:
            entry = json.loads(raw)
        except UnicodeDecodeError:
            log.problem(file, number, "not UTF-8")
            continue
        except (ValueError, RecursionError):  # a JSON error, a number of 4,300+ digits
            last = ends_mid_line and number == len(lines)
            log.problem(file, number, "file ends mid-line" if last else "not valid JSON")
            continue
        result = _record(entry, f"{file}:{number}")
        if isinstance(result, UsageRecord):
            yield entry["message"]["id"], _request_id(entry), result
        elif result == SYNTHETIC:
            log.synthetic += 1
        elif result:
            log.problem(file, number, result)


def _walk(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _field(data: Mapping[str, Any], dotted: str, kind: type) -> Any:
    value = _walk(data, dotted)
    if kind is int:
        return values.whole(dotted, value)
    if not isinstance(value, kind) or value == "":
        raise ValueError(f"{dotted} missing")
    return value


def _optional_int(data: Mapping[str, Any], dotted: str) -> int:
    """0 when missing or not a count; a count too large is still a problem."""
    value = _walk(data, dotted)
    return values.bounded(dotted, value) if values.is_count(value) else 0


def _request_id(entry: Mapping[str, Any]) -> str:
    """``requestId``, or ``""`` where Claude Code logged none (an upstream that sends no
    ``request-id`` header); ``message.id`` alone still tells the calls apart."""
    value = entry.get("requestId")
    return value if isinstance(value, str) else ""


def _record(entry: Any, origin: str) -> UsageRecord | str:
    """The record of one line, ``SYNTHETIC``, ``""`` (not usage) or a problem's reason."""
    if not isinstance(entry, Mapping):
        return "not a JSON object"
    if entry.get("type") != "assistant":
        return ""
    try:
        model = _field(entry, "message.model", str)
        if model == SYNTHETIC:
            return SYNTHETIC
        ts = values.utc_time("timestamp", _field(entry, "timestamp", str))
        usage = _field(entry, "message.usage", Mapping)
        writes = _optional_int(usage, "cache_creation_input_tokens")
        return UsageRecord(
            source=SOURCE,
            key=key_of(_field(entry, "message.id", str), _request_id(entry)),
            ts=ts,
            model=model,
            session=_field(entry, "sessionId", str),
            project=entry.get("cwd") if isinstance(entry.get("cwd"), str) else None,
            origin=origin,
            input_tokens=_field(usage, "input_tokens", int),
            output_tokens=_field(usage, "output_tokens", int),
            cache_write_tokens=writes,
            cache_write_1h_tokens=min(
                writes, _optional_int(usage, "cache_creation.ephemeral_1h_input_tokens")
            ),
            cache_read_tokens=_optional_int(usage, "cache_read_input_tokens"),
            web_search_requests=_optional_int(usage, "server_tool_use.web_search_requests"),
        )
    except ValueError as exc:
        return str(exc)
