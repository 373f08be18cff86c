"""A handed-off session's history, condensed: what the model that takes a session over reads of
its earlier turns.

When a session moves to the frontier (an escalation or a handoff rule), the new model has none
of the conversation cached and reads all of it at the full input price. The gateway condenses
the part before the last assistant turn into the first user message: that message is kept
whole (the task and the agent's context), every later message before the cut becomes lines
of a summary — the user's words, the assistant's text, each tool call with its arguments,
each tool result clipped to its head and tail (a failure's reason is mostly at the end) — and
the conversation from the last assistant turn on goes as the client sent it, so its tool calls
and their results stay paired.

The cut (:class:`Cut`) is made once, at the move, and kept with the session's pin: later turns
condense the same prefix to the same bytes, so the frontier's prompt cache holds it. A cut is
made only when the summary is at most half the size of what it replaces. The client's history
is never changed: a client that compacts its own conversation (or edits it) no longer matches
the cut's mark and is sent whole.

A :class:`Shape` reads one API's messages (Anthropic Messages, OpenAI Chat Completions); the
API formats name theirs (``ApiFormat.history``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["CHAT", "MESSAGES", "Cut", "Shape", "apply_cut", "plan_cut"]

Message = Mapping[str, Any]
CLIP = {"user": 2000, "assistant": 1000, "call": 300, "result": 1200}


class Shape(Protocol):
    """How one API's messages read: which lead the conversation (kept as they are), who
    speaks, a message's summary lines, and the first user message with the summary added."""

    def lead(self, messages: list[Any]) -> int: ...

    def lines(self, message: Message, names: dict[str, str]) -> Iterator[str]: ...

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Cut:
    """Messages before ``upto`` are condensed (but the first user message); ``mark`` is the
    fingerprint of the message at ``upto``, the first one sent as it is."""

    upto: int
    mark: str
    source: str | None = None  # where the session came from ("backend/model")

    def as_dict(self) -> dict[str, Any]:
        return {"upto": self.upto, "mark": self.mark, "source": self.source}

    @classmethod
    def of(cls, data: Any) -> Cut | None:
        """A cut kept as JSON (a pin's), or None when it is not one."""
        if not isinstance(data, Mapping):
            return None
        upto, mark = data.get("upto"), data.get("mark")
        if type(upto) is not int or not isinstance(mark, str):
            return None
        source = data.get("source")
        return cls(upto, mark, source if isinstance(source, str) else None)


def plan_cut(shape: Shape, messages: list[Any], source: str | None) -> Cut | None:
    """Where to cut a conversation that moves now: before its last assistant message, when
    there is something between the first user message and it and condensing it saves half."""
    first = shape.lead(messages)
    upto = _last_assistant(messages)
    if upto is None or upto <= first + 1 or _role(messages[first]) != "user":
        return None
    condensed = messages[first + 1 : upto]
    size = len(json.dumps(condensed, separators=(",", ":"), default=str))
    if 2 * len(summary(shape, condensed, source)) > size:
        return None
    return Cut(upto, mark(messages[upto]), source)


def apply_cut(shape: Shape, messages: list[Any], cut: Cut) -> list[Any] | None:
    """The conversation with its prefix condensed; None when it does not match the cut (the
    client's history is no longer the one the cut was made on)."""
    first = shape.lead(messages)
    if not first < cut.upto - 1 < len(messages) - 1 or _role(messages[first]) != "user":
        return None
    if mark(messages[cut.upto]) != cut.mark:
        return None
    text = summary(shape, messages[first + 1 : cut.upto], cut.source)
    return [*messages[:first], shape.with_summary(messages[first], text), *messages[cut.upto :]]


def summary(shape: Shape, condensed: list[Any], source: str | None) -> str:
    names: dict[str, str] = {}  # tool call id -> tool name, for the results' lines
    lines = [line for m in condensed if isinstance(m, Mapping) for line in shape.lines(m, names)]
    came = f" from {source}" if source else ""
    return (
        f"[fulcrum] This session was handed over to you{came}. Its {len(condensed)} earlier "
        "messages are condensed below, tool output clipped to its head and tail (run a tool "
        "again where you need all of it); the conversation goes on as it happened after this "
        "message.\n" + "\n".join(lines)
    )


def mark(message: Any) -> str:
    """A message's fingerprint, its cache markers left out (clients move them turn by turn)."""
    text = json.dumps(_unmarked(message), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def clip(text: str, limit: int) -> str:
    """``text`` in at most about ``limit`` characters: its head and its tail."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = limit // 3
    tail = limit - head
    return f"{text[:head]}\n[…{len(text) - limit} characters…]\n{text[-tail:]}"


def line(prefix: str, text: str) -> str:
    """One entry of the summary: a multi-line text indented under its prefix."""
    if "\n" not in text:
        return f"{prefix}: {text}"
    return f"{prefix}:\n    " + text.replace("\n", "\n    ")


def _unmarked(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _unmarked(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value


def _role(message: Any) -> Any:
    return message.get("role") if isinstance(message, Mapping) else None


def _last_assistant(messages: list[Any]) -> int | None:
    for index in range(len(messages) - 1, -1, -1):
        if _role(messages[index]) == "assistant":
            return index
    return None


def _texts(content: Any) -> Iterator[str]:
    """The text of a content value (a string, or text parts/blocks); other parts by type."""
    if isinstance(content, str):
        yield content
        return
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            yield part["text"]
        elif kind in ("image", "image_url", "input_image", "document", "file"):
            yield f"[{kind}]"


def _said(who: str, content: Any) -> Iterator[str]:
    for text in _texts(content):
        if text.strip():
            yield line(who, clip(text, CLIP[who]))


def _call(name: Any, arguments: Any) -> str:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
    return line(f"assistant called {name}", clip(args, CLIP["call"]))


def _result(name: str, content: Any, *, error: bool = False) -> str:
    text = "\n".join(_texts(content))
    what = "error from" if error else "result of"
    return line(f"{what} {name}", clip(text, CLIP["result"]) or "(empty)")


class _Messages:
    """Anthropic Messages: content is a string or blocks; tool calls and results are blocks."""

    def lead(self, messages: list[Any]) -> int:
        return 0

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
                yield _call(block.get("name"), block.get("input"))
            elif kind == "tool_result":
                name = names.get(str(block.get("tool_use_id")), "a tool")
                yield _result(name, block.get("content"), error=block.get("is_error") is True)
            else:
                yield from _said(who, [block])

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]:
        content = first.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        kept = [_unmarked(b) for b in blocks or ()]
        return {**first, "content": [*kept, {"type": "text", "text": summary}]}


class _Chat:
    """OpenAI Chat Completions: system messages lead; tool calls ride on assistant messages
    (``tool_calls``), their results are ``tool`` messages."""

    def lead(self, messages: list[Any]) -> int:
        count = 0
        while count < len(messages) and _role(messages[count]) in ("system", "developer"):
            count += 1
        return count

    def lines(self, message: Message, names: dict[str, str]) -> Iterator[str]:
        role = message.get("role")
        if role == "tool":
            name = names.get(str(message.get("tool_call_id")), "a tool")
            yield _result(name, message.get("content"))
            return
        who = "assistant" if role == "assistant" else "user"
        yield from _said(who, message.get("content"))
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(function, Mapping):
                names[str(call.get("id"))] = str(function.get("name"))
                yield _call(function.get("name"), function.get("arguments"))

    def with_summary(self, first: Message, summary: str) -> dict[str, Any]:
        content = first.get("content")
        if isinstance(content, str):
            return {**first, "content": f"{content}\n\n{summary}"}
        parts = [_unmarked(p) for p in content] if isinstance(content, list) else []
        return {**first, "content": [*parts, {"type": "text", "text": summary}]}


MESSAGES: Shape = _Messages()
CHAT: Shape = _Chat()
