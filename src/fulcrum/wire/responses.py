"""Non-streaming responses, both directions.

Reasoning rule (the same in the streams): an OpenAI-format ``reasoning_content`` (or
``reasoning``, as vLLM names it) becomes an Anthropic ``thinking`` block with an empty
``signature`` — clients show it; the translation to OpenAI format drops thinking blocks
again, and :func:`~fulcrum.wire.history.native_history` removes them before an
Anthropic-format backend (which checks signatures) sees them. Pass
``keep_reasoning=False`` to drop reasoning instead. Anthropic ``thinking`` blocks become
``reasoning_content`` on the OpenAI message (the de-facto field of DeepSeek, vLLM and
llama.cpp); redacted thinking is dropped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.legacy import legacy_finish
from fulcrum.wire.maps import (
    anthropic_stop,
    anthropic_tool_id,
    check_finished,
    new_id,
    openai_stop,
    parse_arguments,
)
from fulcrum.wire.usage import anthropic_usage, openai_usage, usage_to_anthropic, usage_to_openai

__all__ = ["anthropic_to_openai_response", "openai_to_anthropic_response", "reasoning_of"]


def reasoning_of(obj: Mapping[str, Any]) -> str:
    """Reasoning text of an OpenAI-format message or delta (empty when none)."""
    for key in ("reasoning_content", "reasoning"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def openai_to_anthropic_response(
    body: Mapping[str, Any], *, model: str, keep_reasoning: bool = True
) -> dict[str, Any]:
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    choice = choice if isinstance(choice, Mapping) else {}
    check_finished(choice.get("finish_reason"))
    message = choice.get("message")
    message = message if isinstance(message, Mapping) else {}
    content: list[dict[str, Any]] = []
    reasoning = reasoning_of(message)
    if reasoning and keep_reasoning:
        content.append({"type": "thinking", "thinking": reasoning, "signature": ""})
    text = message.get("content")
    if isinstance(text, list):
        text = "".join(p.get("text", "") for p in text if isinstance(p, Mapping))
    refusal = message.get("refusal")  # a refusal's text, where the content is null
    refused = not text and isinstance(refusal, str) and bool(refusal)
    text = refusal if refused else text
    if isinstance(text, str) and text:
        content.append({"type": "text", "text": text})
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(fn, Mapping):
            content.append(
                {
                    "type": "tool_use",
                    "id": anthropic_tool_id(call.get("id")),
                    "name": str(fn.get("name", "")),
                    "input": parse_arguments(fn.get("arguments")),
                }
            )
    stop = "refusal" if refused else anthropic_stop(choice.get("finish_reason"))
    if any(b["type"] == "tool_use" for b in content) and stop == "end_turn":
        stop = "tool_use"
    raw_id = body.get("id")
    return {
        "id": f"msg_{raw_id}" if isinstance(raw_id, str) and raw_id else new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage_to_anthropic(openai_usage(body)),
    }


def anthropic_to_openai_response(
    body: Mapping[str, Any], *, model: str, legacy: bool = False
) -> dict[str, Any]:
    """The answer as a chat completion; ``legacy``: for a client that called with legacy
    ``functions`` (its one call as ``message.function_call``)."""
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[dict[str, Any]] = []
    blocks = body.get("content")
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            thinking.append(block["thinking"])
        elif kind == "tool_use":
            calls.append(_tool_call(block))
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if not calls and message["content"] is None:
        message["content"] = ""
    if thinking:
        message["reasoning_content"] = "".join(thinking)
    finish = openai_stop(body.get("stop_reason"))
    if calls and legacy:
        message["function_call"] = calls[0]["function"]
        finish = legacy_finish(finish)
    elif calls:
        message["tool_calls"] = calls
    raw_id = body.get("id")
    return {
        "id": f"chatcmpl-{raw_id}" if isinstance(raw_id, str) and raw_id else new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": usage_to_openai(anthropic_usage(body)),
    }


def _tool_call(block: Mapping[str, Any]) -> dict[str, Any]:
    args = json.dumps(block.get("input") or {}, separators=(",", ":"))
    return {
        "id": str(block.get("id", "")),
        "type": "function",
        "function": {"name": str(block.get("name", "")), "arguments": args},
    }
