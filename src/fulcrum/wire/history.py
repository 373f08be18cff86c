"""Conversation history about to go to a native Anthropic backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["history_tools", "native_history"]


def history_tools(messages: Any) -> list[dict[str, Any]]:
    """A definition (any input) of each tool the history's ``tool_use`` blocks call.

    The Messages API refuses a request whose history holds ``tool_use`` or ``tool_result``
    blocks but which defines no tools; a client of another format may send one (a last turn
    that summarises the session, say), and gets these sent with ``tool_choice: none``.
    """
    names: dict[str, None] = {}
    for msg in messages if isinstance(messages, list) else []:
        content = msg.get("content") if isinstance(msg, Mapping) else None
        for block in content if isinstance(content, list) else []:
            if isinstance(block, Mapping) and block.get("type") == "tool_use":
                names.setdefault(str(block.get("name", "")), None)
    return [{"name": name, "input_schema": {"type": "object"}} for name in names]


def native_history(messages: Any) -> list[Any] | None:
    """The messages as the Messages API accepts them from a conversation that was partly
    answered by another model through fulcrum, or None when they already are (the usual
    case: one walk over the assistant turns' blocks, nothing copied).

    Dropped from assistant turns: thinking blocks without a signature (a local model's
    reasoning; the API checks signatures) and text blocks that are empty or white space (a
    local model's newlines before a tool call; the API refuses them). A turn left with
    nothing is dropped (the API joins the turns around it)."""
    if not isinstance(messages, list) or not any(map(_refused_turn, messages)):
        return None
    out: list[Any] = []
    for msg in messages:
        if not _refused_turn(msg):
            out.append(msg)
        elif kept := [b for b in msg["content"] if not _refused_blocks((b,))]:
            out.append({**msg, "content": kept})
    return out


def _refused_turn(msg: Any) -> bool:
    """Whether ``msg`` is an assistant turn holding a block the API refuses."""
    if not isinstance(msg, dict) or msg.get("role") != "assistant":  # parsed JSON: dicts
        return False
    content = msg.get("content")
    return isinstance(content, list) and _refused_blocks(content)


def _refused_blocks(blocks: list[Any] | tuple[Any, ...]) -> bool:
    """Whether one of ``blocks`` is refused: one loop, no call per block (it runs on every
    request to an Anthropic-format backend, over conversations of hundreds of turns)."""
    for block in blocks:
        if not isinstance(block, dict):  # (isinstance of an ABC costs several times more)
            continue
        kind = block.get("type")
        if kind == "thinking" and not block.get("signature"):
            return True
        if kind == "text" and isinstance(text := block.get("text"), str) and not text.strip():
            return True
    return False
