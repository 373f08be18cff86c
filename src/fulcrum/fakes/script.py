"""The scriptable behaviour of a fake upstream: what the next request gets.

A test pushes entries; each request takes the first entry that accepts it (an entry
with ``model`` set accepts only requests whose model contains that text), or the
fake's ``default`` when none does. Entries are immutable, so the fake can cache their
rendered bytes.

* :class:`Reply` — answer with text (and optional reasoning), with usage.
* :class:`ToolCall` — call the named tool with ``input``; it is taken only by a request
  that declares that tool (so Claude Code's tool-less background requests pass it by);
  the request that carries its ``tool_result`` is answered with ``then``: text (``{result}``
  in it is replaced by the result's text), or another entry (a model that calls again).
* :class:`Fail` — an HTTP error with the provider's error body (429 with ``retry-after``,
  500, 503, 529 …).
* :class:`Hang` — accept the request and never answer (until the fake stops).

Every entry can delay the first byte (``first_byte_delay``), pace a stream
(``chunk_delay``), cut the connection after ``cut_after`` stream events, or end the
stream after ``error_after`` events with the provider's in-stream error (Anthropic: an
``error`` event with ``overloaded_error``; OpenAI: a ``data: {"error": …}`` line). A paced
stream's chunks are logged with the time each was written (``fake.chunk_log``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AnswerTool", "Entry", "Fail", "Hang", "Reply", "Script", "ToolCall"]


@dataclass(frozen=True)
class _Base:
    model: str | None = field(default=None, kw_only=True)
    first_byte_delay: float = field(default=0.0, kw_only=True)
    chunk_delay: float = field(default=0.0, kw_only=True)
    cut_after: int | None = field(default=None, kw_only=True)
    error_after: int | None = field(default=None, kw_only=True)
    streams_only: bool = field(default=False, kw_only=True)  # taken only by a streaming request

    def accepts(self, request: Mapping[str, Any]) -> bool:
        if self.streams_only and request.get("stream") is not True:
            return False
        return self.model is None or self.model in str(request.get("model", ""))


@dataclass(frozen=True)
class Reply(_Base):
    text: str = "Hello! How can I help you today?"
    thinking: str | None = None
    input_tokens: int | None = None  # None: estimated from the request size
    output_tokens: int | None = None  # None: estimated from the text
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    stop_reason: str = "end_turn"  # Anthropic spelling; the OpenAI fake maps it
    # The OpenAI fake's finish_reason instead, for one Messages has no name for (a vLLM
    # server's "abort" or "error"); the Anthropic fake ignores it.
    finish_reason: str | None = None
    words_per_chunk: int = 1


@dataclass(frozen=True)
class ToolCall(_Base):
    name: str
    input: Mapping[str, Any] = field(default_factory=dict)
    then: str | Reply | ToolCall | Fail = "Done."  # text, or the entry answering the result
    text: str | None = None  # text said before the call
    call_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None

    def accepts(self, request: Mapping[str, Any]) -> bool:
        """Only a request that declares the tool (a model calls declared tools only)."""
        return super().accepts(request) and self.name in declared_tools(request)


@dataclass(frozen=True)
class AnswerTool(_Base):
    """Queued by the fake after a :class:`ToolCall`; accepts only the matching result."""

    call_id: str
    then: str | Reply | ToolCall | Fail

    def accepts(self, request: Mapping[str, Any]) -> bool:
        return super().accepts(request) and tool_result_text(request, self.call_id) is not None


@dataclass(frozen=True)
class Fail(_Base):
    status: int = 500
    message: str | None = None
    error_type: str | None = None  # None: the provider's type for the status
    retry_after: float | None = None


@dataclass(frozen=True)
class Hang(_Base):
    pass


Entry = Reply | ToolCall | AnswerTool | Fail | Hang


class Script:
    """A thread-safe queue of entries (tests push from their thread, the loop pops)."""

    def __init__(self, default: Entry | None = None) -> None:
        self.default: Entry = default or Reply()
        self._entries: list[Entry] = []
        self._lock = threading.Lock()

    def push(self, *entries: Entry, times: int = 1) -> None:
        with self._lock:
            for _ in range(times):
                self._entries.extend(entries)

    def push_front(self, entry: Entry) -> None:
        with self._lock:
            self._entries.insert(0, entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def take(self, request: Mapping[str, Any]) -> Entry:
        if not self._entries:
            return self.default
        with self._lock:
            for i, entry in enumerate(self._entries):
                if entry.accepts(request):
                    return self._entries.pop(i)
        return self.default


def tool_result_text(request: Mapping[str, Any], call_id: str) -> str | None:
    """The text of the tool result for ``call_id`` in any format, or None."""
    items = request.get("input")  # OpenAI Responses
    for item in reversed(items) if isinstance(items, list) else []:
        done = isinstance(item, Mapping) and item.get("type") == "function_call_output"
        if done and item.get("call_id") == call_id:
            return _text(item.get("output"))
    messages = request.get("messages")
    for msg in reversed(messages) if isinstance(messages, list) else []:
        if not isinstance(msg, Mapping):
            continue
        if msg.get("role") == "tool" and msg.get("tool_call_id") == call_id:
            return _text(msg.get("content"))
        content = msg.get("content")
        for block in content if isinstance(content, list) else []:
            if (
                isinstance(block, Mapping)
                and block.get("type") == "tool_result"
                and block.get("tool_use_id") == call_id
            ):
                return _text(block.get("content"))
    return None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [b.get("text") for b in content if isinstance(b, Mapping)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def declared_tools(request: Mapping[str, Any]) -> set[str]:
    """Names of the tools a request declares, in either format."""
    tools = request.get("tools")
    names: set[str] = set()
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, Mapping):
            continue
        fn = tool.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else tool.get("name")
        if isinstance(name, str):
            names.add(name)
    return names
