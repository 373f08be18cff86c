"""Anthropic Messages responses of the fake: JSON bodies, SSE streams, errors."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.fakes.script import Reply, ToolCall
from fulcrum.fakes.template import (
    ID,
    INPUT,
    TOOL_ID,
    argument_pieces,
    dumps,
    output_tokens,
    pieces,
)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}
ERROR_MESSAGES = {
    429: "Number of request tokens has exceeded your per-minute rate limit",
    500: "Internal server error",
    529: "Overloaded",
}


def error_body(status: int, message: str | None, error_type: str | None, request_id: str) -> bytes:
    kind = error_type or ERROR_TYPES.get(status, "api_error")
    text = message or ERROR_MESSAGES.get(status, kind.replace("_", " "))
    return dumps(
        {"type": "error", "error": {"type": kind, "message": text}, "request_id": request_id}
    )


def _usage(entry: Reply | ToolCall, out: int) -> dict[str, Any]:
    reply = entry if isinstance(entry, Reply) else None
    return {
        "input_tokens": INPUT,
        "cache_creation_input_tokens": reply.cache_write_tokens if reply else 0,
        "cache_read_input_tokens": reply.cache_read_tokens if reply else 0,
        "output_tokens": out,
    }


def _blocks(entry: Reply | ToolCall) -> list[dict[str, Any]]:
    if isinstance(entry, Reply):
        blocks: list[dict[str, Any]] = []
        if entry.thinking:
            blocks.append({"type": "thinking", "thinking": entry.thinking, "signature": "sig"})
        return [*blocks, {"type": "text", "text": entry.text}]
    blocks = [{"type": "text", "text": entry.text}] if entry.text else []
    tool = {"type": "tool_use", "id": TOOL_ID, "name": entry.name, "input": dict(entry.input)}
    return [*blocks, tool]


def _stop(entry: Reply | ToolCall) -> str:
    return entry.stop_reason if isinstance(entry, Reply) else "tool_use"


def message_json(entry: Reply | ToolCall, model: str) -> bytes:
    usage = _usage(entry, output_tokens(entry)) | {"service_tier": "standard"}
    return dumps(
        {
            "id": "msg_" + ID,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": _blocks(entry),
            "stop_reason": _stop(entry),
            "stop_sequence": None,
            "usage": usage,
        }
    )


def _event(obj: dict[str, Any]) -> bytes:
    name = str(obj["type"]).encode()
    return b"event: " + name + b"\ndata: " + dumps(obj) + b"\n\n"


def _block_events(index: int, block: dict[str, Any], words: int) -> list[bytes]:
    kind = block["type"]
    if kind == "text":
        start: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in pieces(block["text"], words)]
    elif kind == "thinking":
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces(block["thinking"], 4)]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    else:
        start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        args = json.dumps(block["input"])
        deltas = [{"type": "input_json_delta", "partial_json": ""}]
        deltas += [{"type": "input_json_delta", "partial_json": p} for p in argument_pieces(args)]
    out = [_event({"type": "content_block_start", "index": index, "content_block": start})]
    if index == 0:
        out.append(_event({"type": "ping"}))
    out += [_event({"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
    out.append(_event({"type": "content_block_stop", "index": index}))
    return out


def message_events(entry: Reply | ToolCall, model: str) -> list[bytes]:
    """The full SSE stream, one bytes item per event."""
    out_tokens = output_tokens(entry)
    start_message: dict[str, Any] = {
        "id": "msg_" + ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _usage(entry, 1) | {"service_tier": "standard"},
    }
    events = [_event({"type": "message_start", "message": start_message})]
    words = entry.words_per_chunk if isinstance(entry, Reply) else 1
    for index, block in enumerate(_blocks(entry)):
        events += _block_events(index, block, words)
    delta = {"stop_reason": _stop(entry), "stop_sequence": None}
    events.append(
        _event({"type": "message_delta", "delta": delta, "usage": _usage(entry, out_tokens)})
    )
    events.append(_event({"type": "message_stop"}))
    return events
