"""OpenAI Responses answers of the fake: the ``response`` object and its SSE events, as OpenAI
sends them (reasoning as a summary, as OpenAI's own models give it)."""

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

MODEL = "@MODEL@"


def _usage(entry: Reply | ToolCall) -> dict[str, Any]:
    cached = entry.cache_read_tokens if isinstance(entry, Reply) else 0
    return {"input_tokens": PROMPT, "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output_tokens(entry),
            "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": TOTAL}  # fmt: skip


def _items(entry: Reply | ToolCall) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(entry, Reply) and entry.thinking:
        summary = [{"type": "summary_text", "text": entry.thinking}]
        out.append({"id": "rs_" + ID, "type": "reasoning", "summary": summary})
    text = entry.text
    if text:
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        out.append({"id": "msg_" + ID, "type": "message", "status": "completed",
                    "role": "assistant", "content": [part]})  # fmt: skip
    if isinstance(entry, ToolCall):
        out.append({"id": "fc_" + ID, "type": "function_call", "status": "completed",
                    "call_id": TOOL_ID, "name": entry.name,
                    "arguments": json.dumps(dict(entry.input))})  # fmt: skip
    return out


def _response(entry: Reply | ToolCall, *, done: bool) -> dict[str, Any]:
    cut = isinstance(entry, Reply) and entry.stop_reason == "max_tokens"
    status = ("incomplete" if cut else "completed") if done else "in_progress"
    return {
        "id": "resp_" + ID, "object": "response", "created_at": CREATED, "status": status,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut and done else None,
        "model": MODEL, "output": _items(entry) if done else [], "parallel_tool_calls": True,
        "tool_choice": "auto", "tools": [], "usage": _usage(entry) if done else None,
    }  # fmt: skip


def response_body(entry: Reply | ToolCall, model: str) -> bytes:
    return dumps(_response(entry, done=True)).replace(f'"{MODEL}"'.encode(), dumps(model))


def response_events(entry: Reply | ToolCall, model: str) -> list[bytes]:
    """The whole stream, one bytes item per event."""
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": _response(entry, done=False)},
        {"type": "response.in_progress", "response": _response(entry, done=False)},
    ]
    for index, item in enumerate(_items(entry)):
        events += _item_events(entry, index, item)
    final = _response(entry, done=True)
    events.append({"type": f"response.{final['status']}", "response": final})
    out = []
    for number, event in enumerate(events):
        data = dumps({**event, "sequence_number": number}).replace(
            f'"{MODEL}"'.encode(), dumps(model)
        )
        out.append(b"event: " + event["type"].encode() + b"\ndata: " + data + b"\n\n")
    return out


def _item_events(entry: Reply | ToolCall, index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    at = {"output_index": index, "item_id": item["id"]}
    kind = item["type"]
    opened = {**item, "status": "in_progress"}
    if kind == "message":
        opened["content"] = []
    elif kind == "function_call":
        opened["arguments"] = ""
    elif kind == "reasoning":
        opened["summary"] = []
    events: list[dict[str, Any]] = [
        {"type": "response.output_item.added", "output_index": index, "item": opened}
    ]
    if kind == "message":
        text = item["content"][0]["text"]
        part = {"type": "output_text", "text": "", "annotations": []}
        events.append(
            {"type": "response.content_part.added", **at, "content_index": 0, "part": part}
        )
        words = entry.words_per_chunk if isinstance(entry, Reply) else 1
        events += [{"type": "response.output_text.delta", **at, "content_index": 0, "delta": p,
                    "logprobs": []} for p in pieces(text, words)]  # fmt: skip
        events.append({"type": "response.output_text.done", **at, "content_index": 0, "text": text,
                       "logprobs": []})  # fmt: skip
        events.append({"type": "response.content_part.done", **at, "content_index": 0,
                       "part": item["content"][0]})  # fmt: skip
    elif kind == "function_call":
        events += [{"type": "response.function_call_arguments.delta", **at, "delta": p}
                   for p in argument_pieces(item["arguments"])]  # fmt: skip
        events.append({"type": "response.function_call_arguments.done", **at,
                       "arguments": item["arguments"]})  # fmt: skip
    else:
        text = item["summary"][0]["text"]
        events += [{"type": "response.reasoning_summary_text.delta", **at, "summary_index": 0,
                    "delta": p} for p in pieces(text, 4)]  # fmt: skip
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events
