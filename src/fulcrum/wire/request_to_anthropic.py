"""OpenAI Chat Completions request → Anthropic Messages request.

Rules, applied to the top-level fields; a field not in :data:`OPENAI_REQUEST_RULES` is
dropped (the Messages API rejects unknown fields):

* ``system`` and ``developer`` messages, wherever they are, become top-level ``system``
  text blocks, in order (Messages has no in-conversation system turn).
* ``role: tool`` messages become ``tool_result`` blocks of a user turn; consecutive turns
  of the same role are merged, since Messages expects alternating roles.
* assistant ``tool_calls`` → ``tool_use`` blocks (arguments that are not a JSON object
  are kept as ``{"arguments": "<raw text>"}``); ``reasoning_content`` is dropped: a
  thinking block without a valid signature would be rejected.
* ``image_url`` parts → image blocks (``data:`` URLs as base64 sources); audio and file
  parts are dropped.
* ``max_completion_tokens`` or ``max_tokens`` → ``max_tokens`` (default
  :data:`DEFAULT_MAX_TOKENS`, Messages requires it); ``temperature`` is clamped to
  Anthropic's 0–1; ``stop`` → ``stop_sequences``; ``user`` → ``metadata.user_id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import SYSTEM_ROLES, tool_choice_to_anthropic

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "OPENAI_REQUEST_RULES",
    "openai_to_anthropic_request",
    "strip_unsigned_thinking",
]

DEFAULT_MAX_TOKENS = 4096

OPENAI_REQUEST_RULES: dict[str, str] = {
    "model": "map: model",
    "messages": "map: system + messages",
    "max_completion_tokens": "map: max_tokens",
    "max_tokens": "map: max_tokens",
    "temperature": "map: temperature (clamped to 0-1)",
    "top_p": "map: top_p",
    "stop": "map: stop_sequences",
    "stream": "map: stream",
    "tools": "map: tools",
    "tool_choice": "map: tool_choice",
    "parallel_tool_calls": "map: tool_choice.disable_parallel_tool_use",
    "user": "map: metadata.user_id",
    "stream_options": "drop: usage is always streamed by Messages",
    "n": "drop: one choice only",
    "reasoning_effort": "drop: no portable equivalent",
    "response_format": "drop: no portable equivalent",
    "seed": "drop: not in Messages",
    "frequency_penalty": "drop: not in Messages",
    "presence_penalty": "drop: not in Messages",
    "logprobs": "drop: not in Messages",
    "top_logprobs": "drop: not in Messages",
    "logit_bias": "drop: not in Messages",
    "service_tier": "drop: provider-specific",
    "store": "drop: OpenAI-only",
    "metadata": "drop: OpenAI-only",
}


def openai_to_anthropic_request(body: Mapping[str, Any]) -> dict[str, Any]:
    system, messages = _messages(body.get("messages"))
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    out: dict[str, Any] = {
        "model": body.get("model"),
        "max_tokens": max_tokens
        if isinstance(max_tokens, int) and not isinstance(max_tokens, bool)
        else DEFAULT_MAX_TOKENS,
        "messages": messages,
    }
    if system:
        out["system"] = system
    temp = body.get("temperature")
    if isinstance(temp, (int, float)) and not isinstance(temp, bool):
        out["temperature"] = min(max(float(temp), 0.0), 1.0)
    if isinstance(body.get("top_p"), (int, float)) and not isinstance(body.get("top_p"), bool):
        out["top_p"] = body["top_p"]
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    if [s for s in stops if isinstance(s, str)]:
        out["stop_sequences"] = [s for s in stops if isinstance(s, str)]
    tools = _tools(body.get("tools"))
    if tools:
        out["tools"] = tools
        choice = tool_choice_to_anthropic(body.get("tool_choice"), body.get("parallel_tool_calls"))
        if choice is not None:
            out["tool_choice"] = choice
    if isinstance(body.get("user"), str):
        out["metadata"] = {"user_id": body["user"]}
    if body.get("stream") is True:
        out["stream"] = True
    return out


def _tools(tools: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else []:
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            continue
        params = fn.get("parameters")
        schema = dict(params) if isinstance(params, Mapping) else {}
        schema.setdefault("type", "object")
        item: dict[str, Any] = {"name": fn["name"], "input_schema": schema}
        if isinstance(fn.get("description"), str):
            item["description"] = fn["description"]
        out.append(item)
    return out


def _messages(raw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    system: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for msg in raw if isinstance(raw, list) else []:
        if not isinstance(msg, Mapping):
            continue
        role = msg.get("role")
        if role in SYSTEM_ROLES:
            text = _text(msg.get("content"))
            if text:
                system.append({"type": "text", "text": text})
            continue
        if role == "assistant":
            turn = ("assistant", _assistant_blocks(msg))
        elif role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": str(msg.get("tool_call_id", "")),
                "content": _text(msg.get("content")),
            }
            turn = ("user", [block])
        elif role == "user":
            turn = ("user", _user_blocks(msg.get("content")))
        else:
            continue
        if not turn[1]:
            continue
        if out and out[-1]["role"] == turn[0]:
            out[-1]["content"].extend(turn[1])
        else:
            out.append({"role": turn[0], "content": turn[1]})
    return system, out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, Mapping)]
        return "\n\n".join(t for t in texts if isinstance(t, str))
    return ""


def _user_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") == "text" and isinstance(part.get("text"), str):
            blocks.append({"type": "text", "text": part["text"]})
        elif part.get("type") == "image_url":
            image = _image(part.get("image_url"))
            if image is not None:
                blocks.append(image)
    return blocks


def _image(spec: Any) -> dict[str, Any] | None:
    url = spec.get("url") if isinstance(spec, Mapping) else spec
    if not isinstance(url, str):
        return None
    if url.startswith("data:") and ";base64," in url:
        media, data = url[5:].split(";base64,", 1)
        source = {"type": "base64", "media_type": media or "image/png", "data": data}
        return {"type": "image", "source": source}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _assistant_blocks(msg: Mapping[str, Any]) -> list[dict[str, Any]]:
    text = _text(msg.get("content"))
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    calls = msg.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(fn, Mapping):
            continue
        blocks.append(
            {
                "type": "tool_use",
                "id": str(call.get("id", "")),
                "name": str(fn.get("name", "")),
                "input": parse_arguments(fn.get("arguments")),
            }
        )
    return blocks


def parse_arguments(raw: Any) -> dict[str, Any]:
    """OpenAI function arguments (a JSON string) as a tool input object."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {"arguments": raw}
    return value if isinstance(value, dict) else {"arguments": raw}


def strip_unsigned_thinking(body: Mapping[str, Any]) -> dict[str, Any]:
    """An Anthropic request without the thinking blocks that carry no signature.

    fulcrum turns an OpenAI-format model's reasoning into thinking blocks with an empty
    signature; a native Anthropic backend rejects those, so a session that moves there
    sends its history through this first. Other blocks and fields are untouched.
    """
    messages = body.get("messages")
    if not isinstance(messages, list):
        return dict(body)
    cleaned: list[Any] = []
    for msg in messages:
        content = msg.get("content") if isinstance(msg, Mapping) else None
        kept = (
            [b for b in content if not _unsigned_thinking(b)] if isinstance(content, list) else []
        )
        if isinstance(content, list) and len(kept) != len(content):
            cleaned.append({**msg, "content": kept})
        else:
            cleaned.append(msg)
    return {**body, "messages": cleaned}


def _unsigned_thinking(block: Any) -> bool:
    return (
        isinstance(block, Mapping)
        and block.get("type") == "thinking"
        and not block.get("signature")
    )
