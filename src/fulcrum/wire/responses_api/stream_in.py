"""OpenAI Responses event stream → Anthropic Messages event stream (a backend's stream, to the
hub). Well formed whatever arrives, as :mod:`fulcrum.wire.stream_to_anthropic`'s: one
``message_start``, blocks opened one at a time and closed before the next, then
``message_delta`` and ``message_stop`` (at ``response.completed`` or ``.incomplete``, or from
:meth:`finish`), or an ``error`` event (``response.failed``, ``error``; ``failure`` says why).

Each output item is one block: a message's text deltas a text block, a reasoning item's text
or summary deltas a thinking block (empty signature), a function call a ``tool_use`` block
whose ``input_json_delta`` fragments are its argument deltas (or its whole arguments at the
item's end, when no delta came). The usage is the final response's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.wire.maps import anthropic_tool_id, new_id
from fulcrum.wire.responses_api.answer import responses_usage
from fulcrum.wire.sse import SSEEvent, json_event
from fulcrum.wire.usage import TokenUsage, usage_to_anthropic

__all__ = ["ResponsesToAnthropicStream"]

THINKING = ("response.reasoning_text.delta", "response.reasoning_summary_text.delta")
ENDED = ("response.completed", "response.incomplete")


class ResponsesToAnthropicStream:
    def __init__(self, model: str) -> None:
        self.model = model
        self.usage = TokenUsage(0, 0)
        self.stop_reason: str | None = None
        self.failure: str | None = None
        self.done = False
        self._started = False
        self._open: str | None = None  # the open block's key: text:N, thinking:N, tool:N
        self._index = -1
        self._fragments = 0  # argument fragments of the open tool block
        self._saw_tool = False

    def feed(self, data: Mapping[str, Any]) -> list[SSEEvent]:
        if self.done:
            return []
        kind, at = data.get("type"), data.get("output_index")
        out = self._start()
        if kind in ENDED:
            return out + self._ended(data)
        if kind in ("response.failed", "error"):
            self.failure = _error(data)
            return out + self.fail(self.failure)
        if kind == "response.output_item.added":
            self._added(data.get("item"), at, out)
        elif kind == "response.output_text.delta":
            self._ensure(f"text:{at}", {"type": "text", "text": ""}, out)
            self._emit({"type": "text_delta", "text": _str(data.get("delta"))}, out)
        elif kind in THINKING:
            self._ensure(
                f"thinking:{at}", {"type": "thinking", "thinking": "", "signature": ""}, out
            )
            self._emit({"type": "thinking_delta", "thinking": _str(data.get("delta"))}, out)
        elif kind == "response.function_call_arguments.delta" and self._open == f"tool:{at}":
            self._fragments += 1
            self._emit({"type": "input_json_delta", "partial_json": _str(data.get("delta"))}, out)
        elif kind == "response.output_item.done":
            self._item_done(data.get("item"), at, out)
        return out

    def finish(self) -> list[SSEEvent]:
        """The closing events of a stream that ended (or was cut) without its final event."""
        if self.done:
            return []
        out = self._start()
        self._close(out)
        stop = self.stop_reason or ("tool_use" if self._saw_tool else "end_turn")
        delta = {"stop_reason": stop, "stop_sequence": None}
        out.append(json_event({"type": "message_delta", "delta": delta,
                               "usage": usage_to_anthropic(self.usage)}))  # fmt: skip
        out.append(json_event({"type": "message_stop"}))
        self.done = True
        return out

    def fail(self, message: str) -> list[SSEEvent]:
        if self.done:
            return []
        out = self._start()
        self._close(out)
        out.append(
            json_event({"type": "error", "error": {"type": "api_error", "message": message}})
        )
        self.done = True
        return out

    def _ended(self, data: Mapping[str, Any]) -> list[SSEEvent]:
        response = data.get("response")
        response = response if isinstance(response, Mapping) else {}
        self.usage = responses_usage(response)
        details = response.get("incomplete_details")
        if isinstance(details, Mapping) and details.get("reason") == "max_output_tokens":
            self.stop_reason = "tool_use" if self._saw_tool else "max_tokens"
        return self.finish()

    def _added(self, item: Any, at: Any, out: list[SSEEvent]) -> None:
        if not isinstance(item, Mapping) or item.get("type") != "function_call":
            return
        block = {"type": "tool_use", "id": anthropic_tool_id(item.get("call_id")),
                 "name": _str(item.get("name")), "input": {}}  # fmt: skip
        self._ensure(f"tool:{at}", block, out)
        self._fragments = 0
        self._saw_tool = True

    def _item_done(self, item: Any, at: Any, out: list[SSEEvent]) -> None:
        if self._open == f"tool:{at}" and not self._fragments and isinstance(item, Mapping):
            arguments = _str(item.get("arguments"))
            if arguments:
                self._emit({"type": "input_json_delta", "partial_json": arguments}, out)
        if self._open is not None and self._open.endswith(f":{at}"):
            self._close(out)

    def _start(self) -> list[SSEEvent]:
        if self._started:
            return []
        self._started = True
        message: dict[str, Any] = {"id": new_id("msg_"), "type": "message", "role": "assistant",
                   "model": self.model, "content": [], "stop_reason": None,
                   "stop_sequence": None, "usage": usage_to_anthropic(self.usage)}  # fmt: skip
        return [json_event({"type": "message_start", "message": message})]

    def _ensure(self, key: str, block: dict[str, Any], out: list[SSEEvent]) -> None:
        if self._open == key:
            return
        self._close(out)
        self._index += 1
        self._open = key
        out.append(json_event({"type": "content_block_start", "index": self._index,
                               "content_block": block}))  # fmt: skip

    def _emit(self, delta: dict[str, Any], out: list[SSEEvent]) -> None:
        out.append(json_event({"type": "content_block_delta", "index": self._index,
                               "delta": delta}))  # fmt: skip

    def _close(self, out: list[SSEEvent]) -> None:
        if self._open is not None:
            out.append(json_event({"type": "content_block_stop", "index": self._index}))
            self._open = None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _error(data: Mapping[str, Any]) -> str:
    response = data.get("response")
    error = response.get("error") if isinstance(response, Mapping) else data
    message = error.get("message") if isinstance(error, Mapping) else None
    return message if isinstance(message, str) and message else "the backend's stream failed"
