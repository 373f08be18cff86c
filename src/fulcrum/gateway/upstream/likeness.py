"""Which API a request body is written for, read without its path (:meth:`ApiFormat.likeness`):
0 not, 1 could be, 2 only that one. The two messages APIs share plain user and assistant
turns; what only one of them has decides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ANTHROPIC_ONLY_KEYS = ("system", "stop_sequences", "thinking", "output_config", "top_k")
ANTHROPIC_ONLY_BLOCKS = ("tool_use", "tool_result", "thinking", "redacted_thinking", "document")
OPENAI_ONLY_KEYS = (
    "max_completion_tokens", "response_format", "n", "stream_options", "functions",
    "function_call", "logprobs", "seed", "reasoning_effort",
)  # fmt: skip
OPENAI_ONLY_ROLES = ("system", "developer", "tool", "function")


def anthropic(body: Mapping[str, Any]) -> int:
    if not isinstance(body.get("messages"), list):
        return 0
    own = (
        any(key in body for key in ANTHROPIC_ONLY_KEYS)
        or any(isinstance(t, dict) and "input_schema" in t for t in _list(body.get("tools")))
        or any(part.get("type") in ANTHROPIC_ONLY_BLOCKS for part in _parts(body))
    )
    return 2 if own else 1


def openai(body: Mapping[str, Any]) -> int:
    if not isinstance(body.get("messages"), list):
        return 0
    own = (
        any(key in body for key in OPENAI_ONLY_KEYS)
        or any(m.get("role") in OPENAI_ONLY_ROLES or "tool_calls" in m for m in _messages(body))
        or any(isinstance(t, dict) and "function" in t for t in _list(body.get("tools")))
    )
    return 2 if own else 1


def responses(body: Mapping[str, Any]) -> int:
    return 2 if "input" in body and "messages" not in body else 0


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _messages(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [m for m in _list(body.get("messages")) if isinstance(m, dict)]


def _parts(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every content part of every message (a string content has none)."""
    return [p for m in _messages(body) for p in _list(m.get("content")) if isinstance(p, dict)]
