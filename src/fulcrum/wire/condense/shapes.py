"""How each API's conversation reads, for the summary: one :class:`Shape` per API."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from fulcrum.wire.condense.text import call, result, role, said, unmarked
from fulcrum.wire.maps import SYSTEM_ROLES

Message = Mapping[str, Any]


class Shape(Protocol):
    """How one API's conversation reads: the body ``field`` holding it, which messages lead it
    (kept as they are), where its first user message is and its last assistant turn starts,
    a message's summary lines, and the first user message with the summary added."""

    field: str

    def lead(self, messages: list[Any]) -> int: ...

    def is_user(self, message: Any) -> bool: ...

    def last_turn(self, messages: list[Any]) -> int | None: ...

    def lines(self, message: Message, names: dict[str, str]) -> Iterator[str]: ...

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]: ...


class _Conversation:
    """What Messages and Chat Completions share: ``messages``, user and assistant roles."""

    field = "messages"

    def lead(self, messages: list[Any]) -> int:
        return 0

    def is_user(self, message: Any) -> bool:
        return bool(role(message) == "user")

    def last_turn(self, messages: list[Any]) -> int | None:
        for index in range(len(messages) - 1, -1, -1):
            if role(messages[index]) == "assistant":
                return index
        return None


class _Messages(_Conversation):
    """Anthropic Messages: content is a string or blocks; tool calls and results are blocks."""

    def lines(self, message: Message, names: dict[str, str]) -> Iterator[str]:
        who = "assistant" if message.get("role") == "assistant" else "user"
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for block in blocks:
            if not isinstance(block, Mapping):
                continue
            kind = block.get("type")
            if kind == "tool_use":
                names[str(block.get("id"))] = str(block.get("name"))
                yield call(block.get("name"), block.get("input"))
            elif kind == "tool_result":
                name = names.get(str(block.get("tool_use_id")), "a tool")
                yield result(name, block.get("content"), error=block.get("is_error") is True)
            else:
                yield from said(who, [block])

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]:
        content = first.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        kept = [unmarked(b) for b in blocks or ()]
        return {**first, "content": [*kept, {"type": "text", "text": summary}]}


class _Chat(_Conversation):
    """OpenAI Chat Completions: system messages lead; tool calls ride on assistant messages
    (``tool_calls``), their results are ``tool`` messages."""

    def lead(self, messages: list[Any]) -> int:
        return _leading_system(messages)

    def lines(self, message: Message, names: dict[str, str]) -> Iterator[str]:
        speaker = message.get("role")
        if speaker == "tool":
            name = names.get(str(message.get("tool_call_id")), "a tool")
            yield result(name, message.get("content"))
            return
        who = "assistant" if speaker == "assistant" else "user"
        yield from said(who, message.get("content"))
        calls = message.get("tool_calls")
        for entry in calls if isinstance(calls, list) else ():
            function = entry.get("function") if isinstance(entry, Mapping) else None
            if isinstance(function, Mapping):
                names[str(entry.get("id"))] = str(function.get("name"))
                yield call(function.get("name"), function.get("arguments"))

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]:
        return _added(first, summary, "text")


class _Responses(_Chat):
    """The Responses API's ``input`` items: developer and system messages lead (as in Chat
    Completions); an assistant turn is a run of ``reasoning``, assistant ``message`` and
    ``function_call`` items, their results ``function_call_output`` items after it."""

    field = "input"

    def is_user(self, message: Any) -> bool:
        return super().is_user(message) and message.get("type", "message") == "message"

    def last_turn(self, messages: list[Any]) -> int | None:
        end = next((i for i in range(len(messages) - 1, -1, -1) if _answers(messages[i])), None)
        if end is None:
            return None
        while end > 0 and _answers(messages[end - 1]):
            end -= 1
        return end

    def lines(self, message: Message, names: dict[str, str]) -> Iterator[str]:
        kind = message.get("type", "message")
        if kind == "function_call":
            names[str(message.get("call_id"))] = str(message.get("name"))
            yield call(message.get("name"), message.get("arguments"))
        elif kind == "function_call_output":
            name = names.get(str(message.get("call_id")), "a tool")
            yield result(name, message.get("output"))
        elif kind == "message":
            who = "assistant" if message.get("role") == "assistant" else "user"
            yield from said(who, message.get("content"))

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]:
        return _added(first, summary, "input_text")


def _added(first: Message, summary: str, part: str) -> dict[str, Any]:
    """A message whose content is a string or parts, the summary added (a paragraph of the
    string, or a ``part`` of the parts)."""
    content = first.get("content")
    if isinstance(content, str):
        return {**first, "content": f"{content}\n\n{summary}"}
    parts = [unmarked(p) for p in content] if isinstance(content, list) else []
    return {**first, "content": [*parts, {"type": part, "text": summary}]}


def _leading_system(messages: list[Any]) -> int:
    count = 0
    while count < len(messages) and role(messages[count]) in SYSTEM_ROLES:
        count += 1
    return count


def _answers(item: Any) -> bool:
    """A Responses item of the assistant's turn."""
    if not isinstance(item, Mapping):
        return False
    kind = item.get("type", "message")
    return kind in ("reasoning", "function_call") or (
        kind == "message" and item.get("role") == "assistant"
    )


MESSAGES: Shape = _Messages()
CHAT: Shape = _Chat()
RESPONSES: Shape = _Responses()
