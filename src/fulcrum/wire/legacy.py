"""OpenAI's legacy function calling, rewritten as tool calling before translation.

Chat Completions still accepts the deprecated shape: top-level ``functions`` (bare function
definitions) and ``function_call`` (``"auto"``, ``"none"`` or ``{"name": ...}``), an
assistant message with one ``function_call`` and no id, and a ``role: function`` message
(with the function's ``name``) carrying its result. Each becomes its tool-calling
equivalent; a legacy call gets the id ``legacy_call_<n>`` (its position among the legacy
calls), and a result answers the latest call of that name (else the latest call), so the
pair survives translation. A result that answers no call is dropped.

The answer goes back in the shape the client asked in: a legacy request (``functions`` and
no ``tools``) gets the call as ``message.function_call`` (a stream: ``delta.function_call``)
with ``finish_reason: "function_call"``, and the backend is asked for one call a turn, all
the legacy shape can carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "legacy_finish",
    "modern_messages",
    "modern_parallel",
    "modern_tool_choice",
    "modern_tools",
    "tool_view",
    "uses_legacy_functions",
]


def uses_legacy_functions(body: Mapping[str, Any] | None) -> bool:
    """Whether a Chat Completions request calls functions the legacy way: its answer goes
    back as ``function_call``."""
    if body is None or body.get("tools"):
        return False
    functions = body.get("functions")
    return isinstance(functions, list) and bool(functions)


def tool_view(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The request as far as its tools go: itself, or for a legacy request its ``functions``
    and ``function_call`` as ``tools`` and ``tool_choice`` (a local server such as
    llama.cpp's takes ``functions`` without a word and never offers them to the model)."""
    if not uses_legacy_functions(body):
        return body
    return {"tools": modern_tools(body), "tool_choice": modern_tool_choice(body)}


def modern_parallel(body: Mapping[str, Any]) -> Any:
    """``parallel_tool_calls``; ``False`` for a legacy request (one call a turn)."""
    return False if uses_legacy_functions(body) else body.get("parallel_tool_calls")


def legacy_finish(finish: str) -> str:
    """A finish reason as a legacy client reads it (``tool_calls`` is ``function_call``)."""
    return "function_call" if finish == "tool_calls" else finish


def modern_tools(body: Mapping[str, Any]) -> Any:
    """``tools``, or the legacy ``functions`` as tools when there are no tools."""
    tools = body.get("tools")
    functions = body.get("functions")
    if tools or not isinstance(functions, list):
        return tools
    return [{"type": "function", "function": fn} for fn in functions]


def modern_tool_choice(body: Mapping[str, Any]) -> Any:
    """``tool_choice``, or the legacy ``function_call`` as a tool choice."""
    if "tool_choice" in body or body.get("tools"):
        return body.get("tool_choice")
    choice = body.get("function_call")
    if isinstance(choice, Mapping) and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


def modern_messages(raw: Any) -> list[Any]:
    """The messages with legacy function calls and results as tool calls and results."""
    if not isinstance(raw, list):
        return []
    calls: list[tuple[str, str]] = []  # (id, name) of the legacy calls so far
    out: list[Any] = []
    for msg in raw:
        if not isinstance(msg, Mapping):
            out.append(msg)
        elif msg.get("role") == "assistant" and _legacy_call(msg) is not None:
            fn = _legacy_call(msg) or {}
            call_id = f"legacy_call_{len(calls)}"
            calls.append((call_id, str(fn.get("name", ""))))
            call = {"id": call_id, "type": "function", "function": fn}
            out.append({**msg, "tool_calls": [call]})
        elif msg.get("role") == "function":
            answered = _answered(calls, msg.get("name"))
            if answered is not None:
                out.append(
                    {"role": "tool", "tool_call_id": answered, "content": msg.get("content")}
                )
        else:
            out.append(msg)
    return out


def _legacy_call(msg: Mapping[str, Any]) -> Mapping[str, Any] | None:
    fn = msg.get("function_call")
    if msg.get("tool_calls") or not isinstance(fn, Mapping):
        return None
    return fn


def _answered(calls: list[tuple[str, str]], name: Any) -> str | None:
    for call_id, call_name in reversed(calls):
        if call_name == name:
            return call_id
    return calls[-1][0] if calls else None
