"""OpenAI Responses as a backend's API: a Chat Completions request (the hub's, translated)
as a Responses request, and a Responses answer as an Anthropic message.

The request: system and developer messages → ``instructions``; user and assistant messages
→ message items (text parts ``input_text``, images ``input_image``); an assistant's
``tool_calls`` → ``function_call`` items and ``tool`` messages → ``function_call_output``
items with their ids; function tools flat (``{"type": "function", "name", ...}``), a named
``tool_choice`` as ``{"type": "function", "name"}``; ``max_completion_tokens`` (or
``max_tokens``) → ``max_output_tokens``; ``reasoning_effort`` → ``reasoning.effort``;
``response_format`` → ``text.format``; ``store: false`` (the gateway keeps the conversation
in each request).

The answer: a ``message`` item's text parts → text blocks, a ``function_call`` → a
``tool_use`` block (its ``call_id`` the id), a ``reasoning`` item's text or summary → a
thinking block with an empty signature (the rule of :mod:`fulcrum.wire.responses`);
``tool_use`` when a call was made, ``max_tokens`` when the response is incomplete at its
limit, else ``end_turn``. A ``failed`` response is an unfinished answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import (
    SYSTEM_ROLES,
    UnfinishedAnswer,
    anthropic_tool_id,
    content_text,
    new_id,
    parse_arguments,
)
from fulcrum.wire.outputformat import read_chat, responses_text
from fulcrum.wire.responses_api.answer import responses_usage
from fulcrum.wire.usage import usage_to_anthropic

__all__ = ["openai_to_responses_request", "reasoning_text", "responses_to_anthropic_response"]

Body = dict[str, Any]
_COPIED = ("temperature", "top_p", "stream", "parallel_tool_calls", "user")


def openai_to_responses_request(body: Mapping[str, Any]) -> Body:
    """A Chat Completions request as a Responses request (module docstring)."""
    system, items = [], []
    messages = body.get("messages")
    for msg in messages if isinstance(messages, list) else ():
        if not isinstance(msg, Mapping):
            continue
        if msg.get("role") in SYSTEM_ROLES:
            system.append(_text(msg.get("content")))
        else:
            items += _items(msg)
    out: Body = {"model": body.get("model"), "input": items, "store": False}
    if any(system):
        out["instructions"] = "\n\n".join(s for s in system if s)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool):
        out["max_output_tokens"] = limit
    out.update((k, body[k]) for k in _COPIED if body.get(k) is not None)
    tools = [_tool(t) for t in body.get("tools") or () if isinstance(t, Mapping)]
    if tools:
        out["tools"] = tools
        if body.get("tool_choice") is not None:
            out["tool_choice"] = _choice(body["tool_choice"])
    if isinstance(body.get("reasoning_effort"), str):
        out["reasoning"] = {"effort": body["reasoning_effort"]}
    if (fmt := read_chat(body)) is not None:
        out["text"] = responses_text(fmt)
    return out


def _items(msg: Mapping[str, Any]) -> list[Body]:
    role, content = msg.get("role"), msg.get("content")
    if role == "tool":
        return [{"type": "function_call_output", "call_id": msg.get("tool_call_id"),
                 "output": _text(content)}]  # fmt: skip
    out: list[Body] = []
    if role == "assistant":
        if _text(content):
            out.append({"role": "assistant", "content": _text(content)})
        for call in msg.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(fn, Mapping):
                arguments = fn.get("arguments") or "{}"
                out.append({"type": "function_call", "call_id": call.get("id"),
                            "name": fn.get("name"), "arguments": arguments})  # fmt: skip
        return out
    parts = [p for p in map(_part, content if isinstance(content, list) else ()) if p]
    return [{"role": "user", "content": content if isinstance(content, str) else parts}]


def _part(part: Any) -> Body | None:
    if not isinstance(part, Mapping):
        return None
    if part.get("type") == "text" and isinstance(part.get("text"), str):
        return {"type": "input_text", "text": part["text"]}
    image = part.get("image_url")
    if part.get("type") == "image_url" and isinstance(image, Mapping):
        out = {"type": "input_image", "image_url": image.get("url")}
        return {**out, "detail": image["detail"]} if isinstance(image.get("detail"), str) else out
    return None


def _text(content: Any) -> str:
    """The parts' texts run together (a Responses message's parts are one text)."""
    return content_text(content, "", blank=True)


def _tool(tool: Mapping[str, Any]) -> Body:
    fn = tool.get("function")
    fn = fn if isinstance(fn, Mapping) else {}
    keys = ("name", "description", "parameters", "strict")
    return {"type": "function", **{k: fn[k] for k in keys if fn.get(k) is not None}}


def _choice(choice: Any) -> Any:
    fn = choice.get("function") if isinstance(choice, Mapping) else None
    if isinstance(fn, Mapping):
        return {"type": "function", "name": fn.get("name")}
    return choice


def responses_to_anthropic_response(body: Mapping[str, Any], *, model: str) -> Body:
    """A Responses answer as an Anthropic message (module docstring)."""
    if body.get("status") == "failed":
        raise UnfinishedAnswer("failed")
    output = body.get("output")
    blocks = [b for item in (output if isinstance(output, list) else ()) for b in _blocks(item)]
    details = body.get("incomplete_details")
    cut = isinstance(details, Mapping) and details.get("reason") == "max_output_tokens"
    called = any(b["type"] == "tool_use" for b in blocks)
    stop = "tool_use" if called else "max_tokens" if cut else "end_turn"
    raw_id = body.get("id")
    return {"id": raw_id if isinstance(raw_id, str) else new_id("msg_"), "type": "message",
            "role": "assistant", "model": model, "content": blocks, "stop_reason": stop,
            "stop_sequence": None, "usage": usage_to_anthropic(responses_usage(body))}  # fmt: skip


def _blocks(item: Any) -> list[Body]:
    if not isinstance(item, Mapping):
        return []
    kind = item.get("type")
    if kind == "message":
        content = item.get("content")
        parts = content if isinstance(content, list) else []
        texts = [p.get("text") if p.get("type") != "refusal" else p.get("refusal")
                 for p in parts if isinstance(p, Mapping)]  # fmt: skip
        return [{"type": "text", "text": t} for t in texts if isinstance(t, str) and t]
    if kind == "function_call":
        return [{"type": "tool_use", "id": anthropic_tool_id(item.get("call_id")),
                 "name": str(item.get("name") or ""),
                 "input": parse_arguments(item.get("arguments"))}]  # fmt: skip
    if kind == "reasoning" and (text := reasoning_text(item)):
        return [{"type": "thinking", "thinking": text, "signature": ""}]
    return []


def reasoning_text(item: Mapping[str, Any]) -> str:
    """A reasoning item's text: its content (open-weight servers), else its summary (OpenAI)."""
    for key in ("content", "summary"):
        text = _text(item.get(key))
        if text:
            return text
    return ""
