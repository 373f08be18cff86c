"""Re-emit a complete Anthropic message as a well-formed Anthropic event stream.

For a message known whole (a checked non-streaming answer, a test's fixture): ``message_start``;
per block ``content_block_start``, one delta (``text_delta``, ``input_json_delta`` with the whole
input, or ``thinking_delta`` then ``signature_delta``), ``content_block_stop``; ``message_delta``
with ``stop_reason`` and usage; ``message_stop``. :func:`block_events` gives one block's events
(the stream reviewer sends reviewed tool calls with it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import parse_arguments
from fulcrum.wire.sse import SSEEvent, json_event


def message_events(message: Mapping[str, Any]) -> list[SSEEvent]:
    """The events of ``message`` (an Anthropic Messages response body), in stream order."""
    raw_usage = message.get("usage")
    usage: Mapping[str, Any] = raw_usage if isinstance(raw_usage, Mapping) else {}
    start_usage = {k: v for k, v in usage.items() if k != "output_tokens"}
    start = {
        **{k: v for k, v in message.items() if k not in ("content", "stop_reason", "usage")},
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**start_usage, "output_tokens": 0},
    }
    events = [json_event({"type": "message_start", "message": start})]
    content = message.get("content")
    blocks = [b for b in content if isinstance(b, Mapping)] if isinstance(content, list) else []
    for index, block in enumerate(blocks):
        events.extend(json_event(e) for e in block_events(index, block))
    delta = {
        "stop_reason": message.get("stop_reason"),
        "stop_sequence": message.get("stop_sequence"),
    }
    events.append(
        json_event(
            {
                "type": "message_delta",
                "delta": delta,
                "usage": {"output_tokens": usage.get("output_tokens", 0)},
            }
        )
    )
    events.append(json_event({"type": "message_stop"}))
    return events


def block_events(index: int, block: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The start, delta(s) and stop events' data of one whole block at ``index``."""
    kind = block.get("type")
    if kind == "text":
        head: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": str(block.get("text", ""))}]
    elif kind == "tool_use":
        head = {"type": "tool_use", "id": block.get("id"), "name": block.get("name"), "input": {}}
        partial = json.dumps(parse_arguments(block.get("input")), separators=(",", ":"))
        deltas = [{"type": "input_json_delta", "partial_json": partial}]
    elif kind == "thinking":
        head = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": str(block.get("thinking", ""))}]
        if block.get("signature"):
            deltas.append({"type": "signature_delta", "signature": str(block["signature"])})
    else:  # redacted_thinking and anything else: sent whole in the start event
        head, deltas = dict(block), []
    events = [{"type": "content_block_start", "index": index, "content_block": head}]
    events.extend({"type": "content_block_delta", "index": index, "delta": d} for d in deltas)
    events.append({"type": "content_block_stop", "index": index})
    return events
