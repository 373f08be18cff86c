"""OpenAI Chat Completions request → Anthropic Messages request.

Rules, applied to the top-level fields; a field not in :data:`OPENAI_REQUEST_RULES` is
dropped (the Messages API rejects unknown fields):

* ``system`` and ``developer`` messages, wherever they are, become top-level ``system``
  text blocks, in order (Messages has no in-conversation system turn).
* ``role: tool`` messages become ``tool_result`` blocks of a user turn; consecutive turns
  of the same role are merged, since Messages expects alternating roles.
* assistant ``tool_calls`` → ``tool_use`` blocks (arguments that are not a JSON object
  are kept as ``{"arguments": "<raw text>"}``); ``reasoning_content`` is dropped: a
  thinking block without a valid signature would be rejected. Call ids get the
  characters Messages accepts (:func:`~fulcrum.wire.maps.anthropic_tool_id`).
* legacy ``functions`` / ``function_call`` / ``role: function`` are read as tool calling
  (:mod:`fulcrum.wire.legacy`).
* ``image_url`` parts → image blocks (``data:`` URLs as base64 sources); a ``file`` part
  holding a PDF → a document block; audio and other parts → a text note that they were
  left out (:mod:`fulcrum.wire.parts`); empty or whitespace-only text is dropped (Messages
  refuses it).
* ``max_completion_tokens`` or ``max_tokens`` → ``max_tokens`` (default
  :data:`DEFAULT_MAX_TOKENS`, Messages requires it); ``temperature`` is clamped to
  Anthropic's 0–1, and ``top_p`` is sent only without it (newer Claude models refuse
  both); ``stop`` → ``stop_sequences`` (whitespace-only ones dropped: Messages refuses
  them); ``user`` → ``metadata.user_id``; a ``json_schema`` ``response_format`` →
  ``output_config.format`` (:mod:`fulcrum.wire.outputformat`).
* a history with tool calls but no ``tools`` (OpenAI allows it, Messages does not) gets
  the called tools defined, with ``tool_choice: none``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.wire.history import history_tools
from fulcrum.wire.legacy import (
    modern_messages,
    modern_parallel,
    modern_tool_choice,
    modern_tools,
)
from fulcrum.wire.maps import (
    SYSTEM_ROLES,
    anthropic_tool_id,
    content_text,
    parse_arguments,
    tool_choice_to_anthropic,
)
from fulcrum.wire.outputformat import (
    anthropic_json_object_system,
    anthropic_output_config,
    read_chat,
)
from fulcrum.wire.parts import anthropic_note, article, openai_file_to_anthropic

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "OPENAI_REQUEST_RULES",
    "openai_to_anthropic_request",
]

DEFAULT_MAX_TOKENS = 4096

OPENAI_REQUEST_RULES: dict[str, str] = {
    "model": "map: model",
    "messages": "map: system + messages",
    "max_completion_tokens": "map: max_tokens",
    "max_tokens": "map: max_tokens",
    "temperature": "map: temperature (clamped to 0-1)",
    "top_p": "map: top_p (only when temperature is not set)",
    "stop": "map: stop_sequences",
    "stream": "map: stream",
    "tools": "map: tools",
    "tool_choice": "map: tool_choice",
    "parallel_tool_calls": "map: tool_choice.disable_parallel_tool_use",
    "user": "map: metadata.user_id",
    "functions": "map: tools (legacy function calling)",
    "function_call": "map: tool_choice (legacy function calling)",
    "stream_options": "drop: usage is always streamed by Messages",
    "n": "refuse above 1: one choice only (the gateway's OpenAI format refuses it)",
    "reasoning_effort": "drop: no portable equivalent",
    "response_format": "map: output_config.format (json_schema; json_object, which Messages "
    "has no equivalent of, as a system block asking for one JSON object)",
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
    system, messages = _messages(modern_messages(body.get("messages")))
    out: dict[str, Any] = {
        "model": body.get("model"),
        "max_tokens": _max_tokens(body),
        "messages": messages,
    }
    if system:
        out["system"] = system
    temp, top_p = _number(body.get("temperature")), _number(body.get("top_p"))
    if temp is not None:
        out["temperature"] = min(max(temp, 0.0), 1.0)
    elif top_p is not None:
        out["top_p"] = body["top_p"]
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    if [s for s in stops if isinstance(s, str) and s.strip()]:
        out["stop_sequences"] = [s for s in stops if isinstance(s, str) and s.strip()]
    tools = _tools(modern_tools(body))
    if tools:
        out["tools"] = tools
        choice = tool_choice_to_anthropic(modern_tool_choice(body), modern_parallel(body))
        if choice is not None:
            out["tool_choice"] = choice
    elif called := history_tools(messages):
        out["tools"], out["tool_choice"] = called, {"type": "none"}
    if isinstance(body.get("user"), str):
        out["metadata"] = {"user_id": body["user"]}
    fmt = read_chat(body)
    if fmt is not None and (config := anthropic_output_config(fmt)) is not None:
        out["output_config"] = config
    elif fmt is not None:  # json_object: no Messages equivalent, asked for in words
        out["system"] = anthropic_json_object_system(system)
    if body.get("stream") is True:
        out["stream"] = True
    return out


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else None


def _max_tokens(body: Mapping[str, Any]) -> int:
    """``max_completion_tokens``, else ``max_tokens`` (a null one is not set), else a default."""
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return DEFAULT_MAX_TOKENS


def _call_id(raw: Any) -> str:
    """A call id Messages accepts; an absent one stays empty (it pairs with nothing)."""
    return anthropic_tool_id(raw) if isinstance(raw, str) and raw else ""


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
            text = content_text(msg.get("content"))
            if text.strip():
                system.append({"type": "text", "text": text})
            continue
        if role == "assistant":
            turn = ("assistant", _assistant_blocks(msg))
        elif role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": _call_id(msg.get("tool_call_id")),
                "content": content_text(msg.get("content")),
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


def _user_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content.strip() else []
    blocks: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        text = part.get("text")
        if part.get("type") == "text" and isinstance(text, str) and text.strip():
            blocks.append({"type": "text", "text": part["text"]})
        elif part.get("type") == "image_url":
            image = _image(part.get("image_url"))
            if image is not None:
                blocks.append(image)
        elif part.get("type") == "file":
            blocks.append(openai_file_to_anthropic(part))
        elif part.get("type") != "text":  # audio, and what Messages has no block for
            blocks.append(anthropic_note(f"{article(part.get('type'))} content part"))
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
    text = content_text(msg.get("content"))
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text.strip() else []
    calls = msg.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(fn, Mapping):
            continue
        blocks.append(
            {
                "type": "tool_use",
                "id": _call_id(call.get("id")),
                "name": str(fn.get("name", "")),
                "input": parse_arguments(fn.get("arguments")),
            }
        )
    return blocks
