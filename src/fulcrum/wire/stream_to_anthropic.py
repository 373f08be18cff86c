"""OpenAI chat.completion.chunk stream → Anthropic Messages event stream.

The output is always well formed, whatever chunks arrive: exactly one
``message_start`` (emitted with the first chunk), content blocks opened one at a time
with increasing indices and each closed before the next opens, then ``message_delta``
(stop reason and usage) and ``message_stop`` from :meth:`finish`, or a closing
``error`` event from :meth:`fail`. After either, further calls return nothing. A chunk
carrying an ``error``, or a finish reason of a generation the server gave up on (vLLM's
``abort`` and ``error``: :data:`~fulcrum.wire.maps.UNFINISHED_STOPS`), fails the stream
(``failure`` says why): an Anthropic client would take ``end_turn`` for a finished answer.

Tool calls stream as ``tool_use`` blocks with one ``input_json_delta``, the call's arguments
sent when its block closes: always a JSON object (others, which a server may send, wrapped
as ``{"arguments": raw}`` as in a whole answer; the SDKs parse each fragment and fail on
anything else). The first call's block opens at its first fragment; parallel calls after it
are gathered (servers may interleave their fragments, which Anthropic blocks cannot) and
emitted whole, in index order, at the end: a client runs tools after ``message_stop``. A
fragment whose ``id`` differs from the one already seen at its ``index`` starts a new call
(some servers send every call whole at index 0, or with no index). Call ids get the
characters Messages accepts (:func:`~fulcrum.wire.maps.anthropic_tool_id`). A fragment for
the first call after its block was closed (text came in between) cannot be placed in a
well-formed stream and is dropped (counted in ``dropped_fragments``).
Reasoning follows the rule in :mod:`fulcrum.wire.responses`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import (
    OPENAI_TO_ANTHROPIC_STOP,
    UnfinishedAnswer,
    anthropic_tool_id,
    check_finished,
    error_message,
    new_id,
    tool_input_json,
)
from fulcrum.wire.responses import reasoning_of
from fulcrum.wire.sse import SSEEvent, json_event
from fulcrum.wire.usage import TokenUsage, openai_usage, usage_to_anthropic

__all__ = ["OpenAIToAnthropicStream"]


class OpenAIToAnthropicStream:
    def __init__(
        self,
        model: str,
        *,
        message_id: str | None = None,
        input_tokens: int = 0,
        keep_reasoning: bool = True,
    ) -> None:
        self.model = model
        self.message_id = message_id or new_id("msg_")
        self.keep_reasoning = keep_reasoning
        self.usage = TokenUsage(input_tokens, 0)
        self.stop_reason: str | None = None
        self.failure: str | None = None  # why the upstream's stream failed, from its chunks
        self.dropped_fragments = 0
        self._started = False
        self._done = False
        self._open: str | None = None  # "text" | "thinking" | "tool:<openai index>"
        self._index = -1
        self._live_tool: int | None = None
        self._live_args: list[str] = []  # its fragments, sent when its block closes
        self._gathered: dict[int, dict[str, Any]] = {}  # later parallel calls, by slot
        self._slots: dict[int, int] = {}  # OpenAI index -> slot of its latest call
        self._ids: dict[int, str] = {}  # slot -> the upstream id of its call
        self._next_slot = _FIRST_EXTRA_SLOT
        self._saw_tool = False

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, chunk: Mapping[str, Any]) -> list[SSEEvent]:
        if isinstance(chunk.get("usage"), Mapping):  # also after a failure: it is billed
            self.usage = openai_usage(chunk)
        if self._done:
            return []
        out = self._start()
        if isinstance(chunk.get("error"), Mapping):
            return out + self._failed(error_message(chunk))
        choices = chunk.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        if not isinstance(choice, Mapping):
            return out
        delta = choice.get("delta")
        if isinstance(delta, Mapping):
            self._delta(delta, out)
        reason = choice.get("finish_reason")
        try:
            check_finished(reason)
        except UnfinishedAnswer as exc:
            return out + self._failed(str(exc))
        if isinstance(reason, str) and reason:
            self.stop_reason = OPENAI_TO_ANTHROPIC_STOP.get(reason, "end_turn")
        return out

    def _failed(self, message: str) -> list[SSEEvent]:
        self.failure = message
        return self.fail(message)

    def finish(self) -> list[SSEEvent]:
        """The closing events of a stream that ended normally."""
        if self._done:
            return []
        out = self._start()
        self._close(out)
        self._flush_gathered(out)
        stop = self.stop_reason or ("tool_use" if self._saw_tool else "end_turn")
        if stop == "end_turn" and self._saw_tool:
            stop = "tool_use"
        out.append(
            json_event(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": usage_to_anthropic(self.usage),
                }
            )
        )
        out.append(json_event({"type": "message_stop"}))
        self._done = True
        return out

    def fail(self, message: str, error_type: str = "api_error") -> list[SSEEvent]:
        """The closing events of a stream that failed: open block closed, then ``error``."""
        if self._done:
            return []
        out = self._start()
        self._close(out)
        error = {"type": error_type, "message": message}
        out.append(json_event({"type": "error", "error": error}))
        self._done = True
        return out

    def _start(self) -> list[SSEEvent]:
        if self._started:
            return []
        self._started = True
        message: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage_to_anthropic(self.usage),
        }
        return [json_event({"type": "message_start", "message": message})]

    def _delta(self, delta: Mapping[str, Any], out: list[SSEEvent]) -> None:
        reasoning = reasoning_of(delta)
        if reasoning and self.keep_reasoning:
            self._ensure("thinking", {"type": "thinking", "thinking": "", "signature": ""}, out)
            self._emit({"type": "thinking_delta", "thinking": reasoning}, out)
        text = delta.get("content") or delta.get("refusal")  # a refusal's text: not lost
        if isinstance(text, str) and text:
            self._ensure("text", {"type": "text", "text": ""}, out)
            self._emit({"type": "text_delta", "text": text}, out)
        calls = delta.get("tool_calls")
        for call in calls if isinstance(calls, list) else []:
            if isinstance(call, Mapping):
                self._tool_delta(call, out)

    def _tool_delta(self, call: Mapping[str, Any], out: list[SSEEvent]) -> None:
        index = call.get("index", 0)
        index = self._slot(index if isinstance(index, int) else 0, call.get("id"))
        fn = call.get("function")
        fn = fn if isinstance(fn, Mapping) else {}
        args = fn.get("arguments")
        args = args if isinstance(args, str) else json.dumps(args) if args else ""
        self._saw_tool = True
        if self._live_tool is None:
            self._live_tool = index
            self._ensure(f"tool:{index}", _tool_block(call, fn), out)
        if index != self._live_tool:
            self._gather(index, call, fn, args)
        elif self._open != f"tool:{index}":
            self.dropped_fragments += 1
        else:
            self._live_args.append(args)

    def _slot(self, index: int, call_id: Any) -> int:
        """The call a fragment belongs to: a new id at an index already used is a new call."""
        slot = self._slots.get(index, index)
        if isinstance(call_id, str) and call_id and self._ids.setdefault(slot, call_id) != call_id:
            slot, self._next_slot = self._next_slot, self._next_slot + 1
            self._slots[index] = slot
            self._ids[slot] = call_id
        return slot

    def _gather(
        self, index: int, call: Mapping[str, Any], fn: Mapping[str, Any], args: str
    ) -> None:
        entry = self._gathered.setdefault(index, {"block": _tool_block(call, fn), "args": []})
        block = entry["block"]
        name = fn.get("name")
        if not block["name"] and isinstance(name, str):
            block["name"] = name
        entry["args"].append(args)

    def _flush_gathered(self, out: list[SSEEvent]) -> None:
        for index in sorted(self._gathered):
            entry = self._gathered[index]
            self._ensure(f"tool:{index}", entry["block"], out)
            self._emit_input(entry["args"], out)
            self._close(out)
        self._gathered.clear()

    def _ensure(self, kind: str, block: dict[str, Any], out: list[SSEEvent]) -> None:
        if self._open == kind:
            return
        self._close(out)
        self._index += 1
        self._open = kind
        out.append(
            json_event(
                {"type": "content_block_start", "index": self._index, "content_block": block}
            )
        )

    def _emit(self, delta: dict[str, Any], out: list[SSEEvent]) -> None:
        out.append(
            json_event({"type": "content_block_delta", "index": self._index, "delta": delta})
        )

    def _emit_input(self, parts: list[str], out: list[SSEEvent]) -> None:
        joined = "".join(parts)
        if joined.strip():
            self._emit({"type": "input_json_delta", "partial_json": tool_input_json(joined)}, out)

    def _close(self, out: list[SSEEvent]) -> None:
        if self._open is None:
            return
        if self._live_args:  # the first tool call's block: its arguments, whole
            self._emit_input(self._live_args, out)
            self._live_args = []
        out.append(json_event({"type": "content_block_stop", "index": self._index}))
        self._open = None


_FIRST_EXTRA_SLOT = 1 << 30  # slots of calls that reused an index: after every real index


def _tool_block(call: Mapping[str, Any], fn: Mapping[str, Any]) -> dict[str, Any]:
    name = fn.get("name")
    return {
        "type": "tool_use",
        "id": anthropic_tool_id(call.get("id")),
        "name": name if isinstance(name, str) else "",
        "input": {},
    }
