"""Anthropic Messages answer → OpenAI Responses ``response`` object (and the parts its stream
shares: the envelope, the output items, the usage, the status).

Each content block is one output item, in order: ``text`` → a ``message`` item with one
``output_text`` part, ``thinking`` → a ``reasoning`` item with its text as
``reasoning_text`` content (no summary, nothing encrypted), ``tool_use`` → a
``function_call`` item whose ``call_id`` is the block's id (a function of one of the
request's ``namespace`` tools with its ``namespace`` again); other blocks (redacted thinking,
server tools) are left out. ``max_tokens`` (and a full context window) make the response
``incomplete`` with ``incomplete_details.reason: "max_output_tokens"``. The request's
settings are echoed as OpenAI echoes them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import check_finished, new_id
from fulcrum.wire.responses_api.request import NAMESPACE_SEPARATOR
from fulcrum.wire.usage import TokenUsage, anthropic_usage

__all__ = [
    "anthropic_to_responses_response",
    "envelope",
    "function_call_item",
    "message_item",
    "namespaces",
    "reasoning_item",
    "responses_usage",
    "settle",
    "usage_to_responses",
]

Body = dict[str, Any]
CUT_SHORT = ("max_tokens", "model_context_window_exceeded")  # stop reasons: incomplete


def envelope(request: Mapping[str, Any] | None, *, model: str, response_id: str) -> Body:
    """A response in progress, with nothing output yet: what ``response.created`` carries."""
    req = request or {}
    tools = req.get("tools")
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "error": None,
        "incomplete_details": None,
        "instructions": req.get("instructions"),
        "max_output_tokens": req.get("max_output_tokens"),
        "model": model,
        "output": [],
        "parallel_tool_calls": req.get("parallel_tool_calls", True) is not False,
        "previous_response_id": req.get("previous_response_id"),
        "reasoning": req.get("reasoning"),
        "store": req.get("store") is True,  # set by the gateway: True only when it keeps it
        "temperature": req.get("temperature"),
        "text": req.get("text") or {"format": {"type": "text"}},
        "tool_choice": req.get("tool_choice") or "auto",
        "tools": list(tools) if isinstance(tools, list) else [],
        "top_p": req.get("top_p"),
        "truncation": "disabled",
        "usage": None,
        "user": req.get("user"),
        "metadata": req.get("metadata") or {},
    }


def settle(response: Body, output: list[Body], stop_reason: Any, usage: TokenUsage) -> Body:
    """``response`` finished: its output, status and usage set (returned for chaining)."""
    response["output"] = output
    if stop_reason in CUT_SHORT:
        response["status"] = "incomplete"
        response["incomplete_details"] = {"reason": "max_output_tokens"}
    else:
        response["status"] = "completed"
    response["usage"] = usage_to_responses(usage)
    return response


def anthropic_to_responses_response(
    body: Mapping[str, Any], *, model: str, request: Mapping[str, Any] | None = None
) -> Body:
    """The Anthropic answer ``body`` as a Responses ``response`` for the client's request."""
    check_finished(body.get("stop_reason"))
    spaces = namespaces(request)
    content = body.get("content")
    blocks = content if isinstance(content, list) else []
    output = [item for b in blocks if (item := _item(b, spaces)) is not None]
    response = envelope(request, model=model, response_id=new_id("resp_"))
    return settle(response, output, body.get("stop_reason"), anthropic_usage(body))


def namespaces(request: Mapping[str, Any] | None) -> frozenset[str]:
    """The names of the request's ``namespace`` tools."""
    tools = (request or {}).get("tools")
    if not isinstance(tools, list):
        return frozenset()
    return frozenset(
        t["name"]
        for t in tools
        if isinstance(t, Mapping)
        and t.get("type") == "namespace"
        and isinstance(t.get("name"), str)
    )


def _item(block: Any, spaces: frozenset[str]) -> Body | None:
    if not isinstance(block, Mapping):
        return None
    kind = block.get("type")
    if kind == "text" and isinstance(block.get("text"), str):
        return message_item(new_id("msg_"), block["text"], "completed")
    if kind == "thinking" and isinstance(block.get("thinking"), str):
        return reasoning_item(new_id("rs_"), block["thinking"], "completed")
    if kind == "tool_use":
        arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
        return function_call_item(block, arguments, "completed", spaces)
    return None


def message_item(item_id: str, text: str | None, status: str) -> Body:
    """An assistant message; ``text`` None: added, its part not yet."""
    content = [] if text is None else [output_text(text)]
    return {"id": item_id, "type": "message", "status": status, "role": "assistant",
            "content": content}  # fmt: skip


def output_text(text: str) -> Body:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def reasoning_item(item_id: str, text: str | None, status: str) -> Body:
    """A reasoning item: the model's thinking as ``reasoning_text`` content, no summary."""
    content = [] if text is None else [{"type": "reasoning_text", "text": text}]
    return {"id": item_id, "type": "reasoning", "status": status, "summary": [],
            "content": content}  # fmt: skip


def function_call_item(
    block: Mapping[str, Any], arguments: str, status: str, spaces: frozenset[str] = frozenset()
) -> Body:
    """A ``tool_use`` block as a function call (its id is the call's ``call_id``); a name
    that is ``<namespace>__<name>`` of one of ``spaces`` is split back into both."""
    call_id = str(block.get("id") or new_id("call_"))
    item = {"id": "fc_" + call_id, "type": "function_call", "status": status,
            "call_id": call_id, "name": str(block.get("name") or ""),
            "arguments": arguments}  # fmt: skip
    space, sep, name = item["name"].partition(NAMESPACE_SEPARATOR)
    if sep and space in spaces and name:
        item["name"], item["namespace"] = name, space
    return item


def usage_to_responses(usage: TokenUsage) -> Body:
    """Anthropic's counts in OpenAI's terms: cached tokens are part of the input."""
    prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
    return {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + usage.output_tokens,
    }


def responses_usage(body: Mapping[str, Any]) -> TokenUsage:
    """The usage of a Responses ``response`` (cached and written tokens out of the input)."""
    usage = body.get("usage")
    usage = usage if isinstance(usage, Mapping) else {}
    details = usage.get("input_tokens_details")
    details = details if isinstance(details, Mapping) else {}
    cached, written = (
        _count(details.get("cached_tokens")),
        _count(details.get("cache_write_tokens")),
    )
    prompt = _count(usage.get("input_tokens"))
    return TokenUsage(
        max(prompt - cached - written, 0),
        _count(usage.get("output_tokens")),
        cache_read_tokens=cached,
        cache_write_tokens=written,
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
