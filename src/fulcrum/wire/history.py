"""Conversation history about to go to a native Anthropic backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "history_tools",
    "may_need_native_history",
    "native_history",
    "strip_unsigned_thinking",
]


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


# Bytes a body holds when it may carry what native_history drops: a thinking block with an
# empty or no signature, a text block that is empty or starts with white space.
_SUSPECT = (
    b'"signature":""',
    b'"signature": ""',
    b'"text":""',
    b'"text": ""',
    b'"text":"\\n',
    b'"text": "\\n',
    b'"text":" ',
    b'"text": " ',
    b'"text":"\\t',
    b'"text": "\\t',
    b'"text":"\\r',
    b'"text": "\\r',
)


def may_need_native_history(raw: bytes) -> bool:
    """Whether :func:`native_history` could change the body ``raw`` encodes (a substring
    search: most bodies are sent as they are without being looked through)."""
    if b'"thinking"' in raw and b'"signature"' not in raw:
        return True
    return any(s in raw for s in _SUSPECT)


def native_history(messages: Any) -> list[Any] | None:
    """The messages as the Messages API accepts them from a conversation that was partly
    answered by another model through fulcrum, or None when they already are.

    Dropped: thinking blocks without a signature (a local model's reasoning; the API checks
    signatures) and, in assistant turns, text blocks that are empty or white space (a local
    model's newlines before a tool call; the API refuses them). An assistant turn left with
    nothing is dropped (the API joins the turns around it)."""
    if not isinstance(messages, list):
        return None
    out: list[Any] = []
    changed = False
    for msg in messages:
        kept = _native_blocks(msg)
        if kept is None:
            out.append(msg)
            continue
        changed = True
        if kept:
            out.append({**msg, "content": kept})
    return out if changed else None


def _native_blocks(msg: Any) -> list[Any] | None:
    """``msg``'s content without the blocks the API refuses; None when it keeps them all."""
    content = msg.get("content") if isinstance(msg, Mapping) else None
    if not isinstance(content, list):
        return None
    assistant = msg.get("role") == "assistant"
    kept = [b for b in content if not (_unsigned_thinking(b) or (assistant and _blank_text(b)))]
    return kept if len(kept) != len(content) else None


def _blank_text(block: Any) -> bool:
    if not isinstance(block, Mapping) or block.get("type") != "text":
        return False
    text = block.get("text")
    return isinstance(text, str) and not text.strip()
