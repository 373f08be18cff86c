"""Anthropic Messages request → OpenAI Chat Completions request.

Rules (what a field becomes), applied to the top-level fields of the body; a field not
in :data:`ANTHROPIC_REQUEST_RULES` is dropped, because OpenAI-format servers reject
unknown fields and nothing in Chat Completions could honour them:

* ``system`` (a string or text blocks) and every message with role ``system`` inside
  ``messages`` (Claude Code sends these) become ONE leading system message, in order —
  the chat templates of many local models accept a single system message, first.
* text-only content becomes a plain string (blocks joined by a blank line); images
  become ``image_url`` parts (base64 sources as ``data:`` URLs); plain-text and
  custom-content ``document`` blocks become text (in tool results too); a PDF document and
  any other block (server tool results, search results) becomes a text note that it was
  left out (:mod:`fulcrum.wire.parts`), in tool results too.
* ``tool_use`` blocks → assistant ``tool_calls`` (input serialised as JSON arguments);
  ``tool_result`` blocks → ``role: tool`` messages placed right after that assistant
  message (an ``is_error`` result is prefixed with ``Error: ``; images inside a result
  follow in a user message, since tool messages carry text only).
* ``thinking`` / ``redacted_thinking`` blocks are dropped: their signatures mean
  nothing to another model, and Chat Completions has no field to send them back in.
* ``output_config.format`` (structured output, or the beta's ``output_format``) →
  ``response_format`` with its JSON schema (:mod:`fulcrum.wire.outputformat`).
* ``cache_control`` is dropped everywhere; a stream asks for
  ``stream_options.include_usage`` so usage is always metered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import content_text, tool_choice_to_openai
from fulcrum.wire.outputformat import chat_response_format, read_anthropic
from fulcrum.wire.parts import anthropic_block_label, left_out

__all__ = ["ANTHROPIC_REQUEST_RULES", "anthropic_to_openai_request"]

UNSENT = ("thinking", "redacted_thinking")  # dropped without a note (see above)

ANTHROPIC_REQUEST_RULES: dict[str, str] = {
    "model": "map: model",
    "messages": "map: messages",
    "system": "map: leading system message",
    "max_tokens": "map: max_tokens",
    "stop_sequences": "map: stop",
    "stream": "map: stream (+ stream_options.include_usage)",
    "temperature": "map: temperature",
    "top_p": "map: top_p",
    "tools": "map: tools (custom tools only; server tools dropped)",
    "tool_choice": "map: tool_choice (+ parallel_tool_calls)",
    "metadata": "drop: Claude Code's user_id is an opaque JSON string",
    "top_k": "drop: not in Chat Completions",
    "thinking": "drop: reasoning is the serving model's own setting",
    "context_management": "drop: Anthropic-only",
    "output_config": "map: response_format (its format; effort dropped)",
    "output_format": "map: response_format (the structured-outputs beta's field)",
    "service_tier": "drop: provider-specific",
    "container": "drop: Anthropic-only",
    "mcp_servers": "drop: Anthropic-only",
}


def anthropic_to_openai_request(body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"model": body.get("model"), "messages": _messages(body)}
    if isinstance(body.get("max_tokens"), int) and not isinstance(body["max_tokens"], bool):
        out["max_tokens"] = body["max_tokens"]
    for key in ("temperature", "top_p"):
        if isinstance(body.get(key), (int, float)) and not isinstance(body.get(key), bool):
            out[key] = body[key]
    stops = body.get("stop_sequences")
    if isinstance(stops, list) and stops:
        out["stop"] = [s for s in stops if isinstance(s, str)][:4]
    tools = _tools(body.get("tools"))
    if tools:
        out["tools"] = tools
        choice = tool_choice_to_openai(body.get("tool_choice"))
        if choice is not None:
            out["tool_choice"] = choice
        tc = body.get("tool_choice")
        if isinstance(tc, Mapping) and tc.get("disable_parallel_tool_use") is True:
            out["parallel_tool_calls"] = False
    fmt = read_anthropic(body)
    if fmt is not None:
        out["response_format"] = chat_response_format(fmt)
    if body.get("stream") is True:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def _tools(tools: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, Mapping) or tool.get("type", "custom") != "custom":
            continue
        if not isinstance(tool.get("name"), str):
            continue
        fn: dict[str, Any] = {"name": tool["name"]}
        if isinstance(tool.get("description"), str):
            fn["description"] = tool["description"]
        fn["parameters"] = _parameters(tool.get("input_schema"))
        out.append({"type": "function", "function": fn})
    return out


def _parameters(schema: Any) -> dict[str, Any]:
    """The input schema as function parameters; an object schema always has ``properties``
    (OpenAI's form of a function without arguments; some servers' chat templates and
    grammar builders read ``properties`` unguarded)."""
    params = dict(schema) if isinstance(schema, Mapping) else {"type": "object"}
    if params.get("type", "object") == "object" and not isinstance(
        params.get("properties"), Mapping
    ):
        params = {"type": "object", **params, "properties": {}}
    return params


def _messages(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    system = [content_text(body["system"])] if body.get("system") else []
    out: list[dict[str, Any]] = []
    messages = body.get("messages")
    for msg in messages if isinstance(messages, list) else []:
        if not isinstance(msg, Mapping):
            continue
        role, content = msg.get("role"), msg.get("content")
        if role == "system":
            system.append(content_text(content) if isinstance(content, (str, list)) else "")
        elif role == "assistant":
            out.append(_assistant(content))
        else:
            out.extend(_user(content))
    system_text = "\n\n".join(s for s in system if s)
    return ([{"role": "system", "content": system_text}] if system_text else []) + out


def _assistant(content: Any) -> dict[str, Any]:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, Mapping):
            continue
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            args = json.dumps(block.get("input") or {}, separators=(",", ":"))
            fn = {"name": str(block.get("name", "")), "arguments": args}
            calls.append({"id": str(block.get("id", "")), "type": "function", "function": fn})
    msg: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(texts) or (None if calls else ""),
    }
    if calls:
        msg["tool_calls"] = calls
    return msg


def _user(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    tool_msgs: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "tool_result":
            text, images = _tool_result(block)
            tool_msgs.append(
                {"role": "tool", "tool_call_id": str(block.get("tool_use_id", "")), "content": text}
            )
            parts.extend(images)
        elif kind == "text" and isinstance(block.get("text"), str):
            parts.append({"type": "text", "text": block["text"]})
        elif kind == "document" and _document_text(block):
            parts.append({"type": "text", "text": _document_text(block)})
        elif kind == "image" and (image := _image(block)) is not None:
            parts.append(image)
        elif kind not in UNSENT:
            parts.append({"type": "text", "text": _left_out(block)})
    if not parts:
        return tool_msgs
    if all(p["type"] == "text" for p in parts):
        return [*tool_msgs, {"role": "user", "content": "\n\n".join(p["text"] for p in parts)}]
    return [*tool_msgs, {"role": "user", "content": parts}]


def _tool_result(block: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    content = block.get("content")
    images: list[dict[str, Any]] = []
    if isinstance(content, list):
        for item in content:
            if isinstance(item, Mapping) and item.get("type") == "image":
                image = _image(item)
                if image is not None:
                    images.append(image)
        texts = [
            _block_text(i) or ("" if i.get("type") in ("image", *UNSENT) else _left_out(i))
            for i in content
            if isinstance(i, Mapping)
        ]
        text = "\n\n".join(t for t in texts if t)
    else:
        text = content if isinstance(content, str) else ""
    if block.get("is_error") is True:
        text = f"Error: {text}"
    return text, images


def _image(block: Mapping[str, Any]) -> dict[str, Any] | None:
    source = block.get("source")
    if not isinstance(source, Mapping):
        return None
    if source.get("type") == "base64":
        url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    elif source.get("type") == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        return None
    return {"type": "image_url", "image_url": {"url": url}}


def _document_text(block: Mapping[str, Any]) -> str:
    """The text of a plain-text or custom-content document (empty for PDFs and the rest)."""
    source = block.get("source")
    if not isinstance(source, Mapping):
        return ""
    if source.get("type") == "text":
        data = source.get("data")
        return data if isinstance(data, str) else ""
    if source.get("type") == "content":
        return content_text(source.get("content"))  # a string, or blocks: their texts
    return ""


def _left_out(block: Mapping[str, Any]) -> str:
    return left_out(anthropic_block_label(block), "an OpenAI-format model")


def _block_text(block: Mapping[str, Any]) -> str:
    """The text of a text block or a document block; empty for other blocks."""
    if block.get("type") == "text" and isinstance(block.get("text"), str):
        return str(block["text"])
    return _document_text(block) if block.get("type") == "document" else ""
