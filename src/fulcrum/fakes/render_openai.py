"""OpenAI Chat Completions responses of the fake: JSON bodies, SSE chunks, errors."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.fakes.script import Reply, ToolCall
from fulcrum.fakes.template import (
    CREATED,
    ID,
    PROMPT,
    TOOL_ID,
    TOTAL,
    argument_pieces,
    dumps,
    output_tokens,
    pieces,
)

FINGERPRINT = "fp_fulcrumfake"
FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length"}
ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request"),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided"),
    404: ("invalid_request_error", "model_not_found", "The model does not exist"),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests"),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    503: ("server_error", None, "The engine is currently overloaded, please try again later"),
}


def error_body(status: int, message: str | None, error_type: str | None) -> bytes:
    kind, code, default = ERRORS.get(status, ("server_error", None, "Upstream error"))
    error = {"message": message or default, "type": error_type or kind, "param": None}
    return dumps({"error": error | {"code": code}})


def _usage(entry: Reply | ToolCall) -> dict[str, Any]:
    cached = entry.cache_read_tokens if isinstance(entry, Reply) else 0
    return {
        "prompt_tokens": PROMPT,
        "completion_tokens": output_tokens(entry),
        "total_tokens": TOTAL,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _finish(entry: Reply | ToolCall) -> str:
    if isinstance(entry, ToolCall):
        return "tool_calls"
    return entry.finish_reason or FINISH.get(entry.stop_reason, "stop")


def _arguments(entry: ToolCall) -> str:
    return json.dumps(dict(entry.input))


def completion_json(entry: Reply | ToolCall, model: str) -> bytes:
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if isinstance(entry, Reply):
        message["content"] = entry.text
        if entry.thinking:
            message["reasoning_content"] = entry.thinking
    else:
        message["content"] = entry.text
        fn = {"name": entry.name, "arguments": _arguments(entry)}
        message["tool_calls"] = [{"id": TOOL_ID, "type": "function", "function": fn}]
    message["annotations"] = []
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(entry)}
    return dumps(_envelope("chat.completion", [choice]) | {"usage": _usage(entry)})


def _envelope(kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-" + ID,
        "object": kind,
        "created": CREATED,
        "model": "@MODEL@",
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
        "choices": choices,
    }


def _chunk(delta: dict[str, Any], finish: str | None, usage: bool) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    chunk = _envelope("chat.completion.chunk", [choice])
    if usage:
        chunk["usage"] = None
    return chunk


def completion_chunks(entry: Reply | ToolCall, model: str, include_usage: bool) -> list[bytes]:
    """The full SSE stream, one bytes item per ``data:`` line, ending with ``[DONE]``."""
    chunks: list[dict[str, Any]] = []
    first: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
    if isinstance(entry, Reply):
        chunks.append(_chunk(first, None, include_usage))
        if entry.thinking:
            chunks += [
                _chunk({"reasoning_content": p}, None, include_usage)
                for p in pieces(entry.thinking, 4)
            ]
        for piece in pieces(entry.text, entry.words_per_chunk):
            chunks.append(_chunk({"content": piece}, None, include_usage))
    else:
        if entry.text:
            chunks.append(_chunk(first, None, include_usage))
            chunks += [_chunk({"content": p}, None, include_usage) for p in pieces(entry.text, 1)]
        fn = {"name": entry.name, "arguments": ""}
        call = {"index": 0, "id": TOOL_ID, "type": "function", "function": fn}
        head = {"tool_calls": [call]} if entry.text else first | {"tool_calls": [call]}
        chunks.append(_chunk(head | ({} if entry.text else {"content": None}), None, include_usage))
        for part in argument_pieces(_arguments(entry)):
            delta = {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}
            chunks.append(_chunk(delta, None, include_usage))
    chunks.append(_chunk({}, _finish(entry), include_usage))
    if include_usage:
        chunks.append(_envelope("chat.completion.chunk", []) | {"usage": _usage(entry)})
    lines = [b"data: " + dumps(c).replace(b'"@MODEL@"', dumps(model)) + b"\n\n" for c in chunks]
    return [*lines, b"data: [DONE]\n\n"]


def completion_body(entry: Reply | ToolCall, model: str) -> bytes:
    return completion_json(entry, model).replace(b'"@MODEL@"', dumps(model))
