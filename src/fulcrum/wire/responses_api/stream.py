"""Anthropic Messages event stream → OpenAI Responses stream events.

The events follow OpenAI's order, each with its ``sequence_number``: ``response.created``
and ``response.in_progress`` (the envelope of :func:`~.answer.envelope`); per content block
an output item (as in :mod:`.answer`): ``response.output_item.added``, its content part
added (text, reasoning), the deltas (``response.output_text.delta``,
``response.reasoning_text.delta``, ``response.function_call_arguments.delta``), their
``.done`` events and ``response.output_item.done``; then ``response.completed`` (or
``response.incomplete`` when the answer was cut at its token limit) with the whole response
and its usage. A mid-stream ``error`` event, or a stream cut short, ends with
``response.failed`` carrying the error (OpenAI's SDKs raise on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fulcrum.wire.maps import new_id
from fulcrum.wire.responses_api.answer import (
    envelope,
    function_call_item,
    message_item,
    namespaces,
    output_text,
    reasoning_item,
    settle,
)
from fulcrum.wire.sse import SSEEvent
from fulcrum.wire.usage import AnthropicUsageTracker

__all__ = ["AnthropicToResponsesStream"]

Event = dict[str, Any]


@dataclass(slots=True)
class _Open:
    """An output item being streamed: a content block's, at ``index`` in the output."""

    kind: str  # text, thinking, tool_use
    index: int
    item: dict[str, Any]
    parts: list[str] = field(default_factory=list)


class AnthropicToResponsesStream:
    def __init__(self, model: str, request: Mapping[str, Any] | None = None) -> None:
        self.tracker = AnthropicUsageTracker()
        self.response = envelope(request, model=model, response_id=new_id("resp_"))
        self.namespaces = namespaces(request)
        self.output: list[dict[str, Any]] = []
        self.stop_reason: Any = None
        self.done = False
        self._open: dict[Any, _Open] = {}
        self._seq = 0
        self._started = False

    def feed(self, event: SSEEvent) -> list[Event]:
        data = None if self.done else event.object()
        if data is None:
            return []
        kind = data.get("type", event.event)
        self.tracker.feed(data)
        if kind == "error":
            error = data.get("error")
            message = error.get("message") if isinstance(error, Mapping) else None
            return self.fail(str(message or "the backend's stream failed"))
        out = self._start()
        if kind == "content_block_start":
            self._block_start(data, out)
        elif kind == "content_block_delta":
            self._block_delta(data, out)
        elif kind == "content_block_stop":
            self._block_stop(data.get("index"), out)
        elif kind == "message_delta":
            delta = data.get("delta")
            if isinstance(delta, Mapping) and delta.get("stop_reason") is not None:
                self.stop_reason = delta["stop_reason"]
        elif kind == "message_stop":
            out.extend(self.finish())
        return out

    def finish(self) -> list[Event]:
        """The items still open closed, then ``response.completed`` (or ``.incomplete``)."""
        if self.done:
            return []
        out = self._start()
        for key in list(self._open):
            self._block_stop(key, out)
        self.done = True
        final = settle(self.response, self.output, self.stop_reason, self.tracker.usage)
        kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
        out.append(self._event(kind, response=final))
        return out

    def fail(self, message: str) -> list[Event]:
        """``response.failed``: the stream broke off (the output so far is in it)."""
        if self.done:
            return []
        out = self._start()
        self.done = True
        failed = {**self.response, "status": "failed", "output": self.output,
                  "error": {"code": "server_error", "message": message}}  # fmt: skip
        out.append(self._event("response.failed", response=failed))
        return out

    def _start(self) -> list[Event]:
        if self._started:
            return []
        self._started = True
        return [
            self._event("response.created", response=dict(self.response)),
            self._event("response.in_progress", response=dict(self.response)),
        ]

    def _block_start(self, data: Mapping[str, Any], out: list[Event]) -> None:
        block = data.get("content_block")
        kind = block.get("type") if isinstance(block, Mapping) else None
        index = len(self.output) + len(self._open)
        if kind == "text":
            item = message_item(new_id("msg_"), None, "in_progress")
        elif kind == "thinking":
            item = reasoning_item(new_id("rs_"), None, "in_progress")
        elif kind == "tool_use":
            assert isinstance(block, Mapping)
            item = function_call_item(block, "", "in_progress", self.namespaces)
        else:  # redacted thinking, server tools: not an output item a client reads
            return
        opened = self._open[data.get("index")] = _Open(kind, index, item)
        out.append(self._event("response.output_item.added", output_index=index, item=dict(item)))
        part = _part(opened, "")
        if part is not None:
            out.append(self._event("response.content_part.added", **self._at(opened), part=part))

    def _block_delta(self, data: Mapping[str, Any], out: list[Event]) -> None:
        opened = self._open.get(data.get("index"))
        delta = data.get("delta")
        if opened is None or not isinstance(delta, Mapping):
            return
        key, name = _DELTAS.get(str(delta.get("type")), ("", ""))
        piece = delta.get(key) if key else None
        if not isinstance(piece, str) or not piece:
            return
        opened.parts.append(piece)
        where = self._at(opened)
        if opened.kind == "tool_use":
            where.pop("content_index")
        extra: dict[str, Any] = {"logprobs": []} if opened.kind == "text" else {}
        out.append(self._event(name, **where, delta=piece, **extra))

    def _block_stop(self, key: Any, out: list[Event]) -> None:
        opened = self._open.pop(key, None)
        if opened is None:
            return
        text, where = "".join(opened.parts), self._at(opened)
        item = _finished(opened, text)
        if opened.kind == "text":
            out.append(self._event("response.output_text.done", **where, text=text, logprobs=[]))
        elif opened.kind == "thinking":
            out.append(self._event("response.reasoning_text.done", **where, text=text))
        else:
            where.pop("content_index")
            out.append(self._event("response.function_call_arguments.done", **where,
                                   arguments=item["arguments"]))  # fmt: skip
        part = _part(opened, text)
        if part is not None:
            out.append(self._event("response.content_part.done", **self._at(opened), part=part))
        self.output.append(item)
        out.append(self._event("response.output_item.done", output_index=opened.index, item=item))

    def _at(self, opened: _Open) -> dict[str, Any]:
        return {"item_id": opened.item["id"], "output_index": opened.index, "content_index": 0}

    def _event(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return event


# content_block_delta type -> (the delta's field, the Responses event)
_DELTAS = {
    "text_delta": ("text", "response.output_text.delta"),
    "thinking_delta": ("thinking", "response.reasoning_text.delta"),
    "input_json_delta": ("partial_json", "response.function_call_arguments.delta"),
}


def _part(opened: _Open, text: str) -> dict[str, Any] | None:
    """The content part of a text or reasoning item (a function call has none)."""
    if opened.kind == "text":
        return output_text(text)
    if opened.kind == "thinking":
        return {"type": "reasoning_text", "text": text}
    return None


def _finished(opened: _Open, text: str) -> dict[str, Any]:
    item = dict(opened.item, status="completed")
    if opened.kind == "text":
        item["content"] = [output_text(text)]
    elif opened.kind == "thinking":
        item["content"] = [{"type": "reasoning_text", "text": text}]
    else:
        item["arguments"] = text or "{}"
    return item
