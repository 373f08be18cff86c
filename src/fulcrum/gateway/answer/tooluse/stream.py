"""The tool-use check over a stream: pass on what is safe now, hold what must be checked.

Pure and incremental. :meth:`StreamReviewer.feed` takes one Anthropic stream event of the local
backend (translate an OpenAI-format backend's chunks first) and returns the client's events for
it; :meth:`StreamReviewer.end` reviews the finished answer (``review_response``) and returns the
closing events, or the retry request when one is due: stream the retry through the same
reviewer, then ``end(retry_allowed=False)``. The client always gets one well-formed stream.

- thinking (any block but text and tool_use) streams as it comes; text streams through a
  :class:`~fulcrum.gateway.answer.tooluse.textgate.TextGate`, whose held part is decided when the
  block ends (calls found become ``tool_use`` blocks, counted as repairs; the rest is shown);
- ``tool_use`` blocks are held until the answer is reviewed, then sent whole. On a retry nothing
  of the rejected calls was shown and shown text is not repeated; the retry's blocks follow
  with the next indices, and ``message_delta`` carries the usage of both calls;
- when ``tool_choice`` forces a tool, an attempt's text is held too (a text answer is then
  itself a violation) and sent only if the attempt is accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fulcrum.gateway.answer.tooluse.outcome import ToolUseOutcome, add_usage
from fulcrum.gateway.answer.tooluse.recover import extract_calls
from fulcrum.gateway.answer.tooluse.repair import forced_tool
from fulcrum.gateway.answer.tooluse.replay import block_events
from fulcrum.gateway.answer.tooluse.review import json_object, review_response
from fulcrum.gateway.answer.tooluse.schema import tool_schemas
from fulcrum.gateway.answer.tooluse.textgate import TextGate
from fulcrum.wire.maps import new_id
from fulcrum.wire.usage import AnthropicUsageTracker, TokenUsage, usage_to_anthropic

Event = dict[str, Any]


@dataclass(slots=True)
class _Block:
    """One upstream block being received; ``client`` is its index on the client's stream."""

    kind: str
    head: dict[str, Any]
    client: int | None = None
    parts: list[str] = field(default_factory=list)  # text shown, or tool input fragments
    gate: TextGate | None = None


class StreamReviewer:
    """See the module docstring. ``request`` is the Anthropic request the backend got."""

    def __init__(self, request: Mapping[str, Any], model: str) -> None:
        self.request = request
        self.model = model
        self.schemas = tool_schemas(request.get("tools") or [])
        self.hold_text = forced_tool(request)[0]
        self.outcome = ToolUseOutcome()
        self.usage = TokenUsage(0, 0)  # of the finished attempts
        self.message: dict[str, Any] | None = None  # the accepted answer, once ended
        self.done = False
        self._next = 0
        self._started = False
        self._new_attempt()

    def _new_attempt(self) -> None:
        self._tracker = AnthropicUsageTracker()
        self._blocks: dict[int, _Block] = {}
        self._content: list[dict[str, Any]] = []
        self._head: dict[str, Any] = {}
        self._stop: dict[str, Any] = {}

    def feed(self, data: Mapping[str, Any]) -> list[Event]:
        """The client events for one upstream event."""
        if self.done:
            return []
        kind = data.get("type")
        self._tracker.feed(data)
        out = self._start(data)
        if kind == "content_block_start":
            self._block_start(data, out)
        elif kind == "content_block_delta":
            self._block_delta(data, out)
        elif kind == "content_block_stop":
            self._block_stop(data.get("index"), out)
        elif kind == "message_delta" and isinstance(data.get("delta"), Mapping):
            self._stop = dict(data["delta"])
        elif kind == "ping":
            out.append(dict(data))
        elif kind == "error":
            error = data.get("error")
            message = error.get("message") if isinstance(error, Mapping) else None
            out.extend(self.fail(str(message or "the local backend failed mid-stream")))
        return out

    def end(self, *, retry_allowed: bool) -> tuple[list[Event], dict[str, Any] | None]:
        """Review the finished attempt: (events to send, the retry request or None)."""
        out = self._start({})
        for index in list(self._blocks):
            self._block_stop(index, out)
        usage = self._tracker.usage
        self.usage = add_usage(self.usage, usage)
        message = {
            **self._head,
            "content": self._content,
            "stop_reason": self._stop.get("stop_reason") or "end_turn",
            "stop_sequence": self._stop.get("stop_sequence"),
            "usage": usage_to_anthropic(usage),
        }
        review = review_response(self.request, message, self.outcome, retry_allowed=retry_allowed)
        if review.retry_request is not None:
            self._new_attempt()
            return out, review.retry_request
        kinds = ("text", "tool_use") if self.hold_text else ("tool_use",)
        sent = [b for b in review.body.get("content") or [] if b.get("type") in kinds]
        for block in sent:
            self._whole_block(block, out)
        stop = "tool_use" if any(b.get("type") == "tool_use" for b in sent) else None
        delta = {
            "stop_reason": stop or review.body.get("stop_reason") or "end_turn",
            "stop_sequence": None if stop else review.body.get("stop_sequence"),
        }
        out.append(
            {"type": "message_delta", "delta": delta, "usage": usage_to_anthropic(self.usage)}
        )
        out.append({"type": "message_stop"})
        self.message, self.done = review.body, True
        return out, None

    def fail(self, message: str) -> list[Event]:
        """Close what is open and end the client's stream with an ``error`` event."""
        if self.done:
            return []
        out = self._start({})
        for block in self._blocks.values():
            if block.client is not None:
                out.append({"type": "content_block_stop", "index": block.client})
        self._blocks.clear()
        out.append({"type": "error", "error": {"type": "api_error", "message": message}})
        self.done = True
        return out

    def _start(self, data: Mapping[str, Any]) -> list[Event]:
        if data.get("type") == "message_start" and isinstance(data.get("message"), Mapping):
            self._head = {k: v for k, v in data["message"].items() if k != "content"}
        if self._started:
            return []
        self._started = True
        message = {
            "id": new_id("msg_"),
            "type": "message",
            "role": "assistant",
            **self._head,
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
        }
        message["usage"] = {**usage_to_anthropic(self._tracker.usage), "output_tokens": 0}
        return [{"type": "message_start", "message": message}]

    def _block_start(self, data: Mapping[str, Any], out: list[Event]) -> None:
        index, head = data.get("index"), data.get("content_block")
        if not isinstance(index, int) or not isinstance(head, Mapping):
            return
        kind = str(head.get("type"))
        block = _Block(kind, dict(head))
        self._blocks[index] = block
        if kind == "text":
            block.gate = None if self.hold_text else TextGate(self.schemas)
            if head.get("text"):
                self._text(block, str(head["text"]), out)
        elif kind != "tool_use":
            block.client = self._open(dict(head), out)

    def _block_delta(self, data: Mapping[str, Any], out: list[Event]) -> None:
        block = self._blocks.get(data.get("index"))  # type: ignore[arg-type]
        delta = data.get("delta")
        if block is None or not isinstance(delta, Mapping):
            return
        if block.kind == "text" and delta.get("type") == "text_delta":
            self._text(block, str(delta.get("text", "")), out)
        elif block.kind == "tool_use" and delta.get("type") == "input_json_delta":
            block.parts.append(str(delta.get("partial_json", "")))
        elif block.client is not None:
            out.append({**data, "index": block.client})
            _accumulate(block.head, delta)

    def _block_stop(self, index: Any, out: list[Event]) -> None:
        block = self._blocks.pop(index, None) if isinstance(index, int) else None
        if block is None:
            return
        if block.kind == "tool_use":  # input not JSON: kept as text, for the review to reject
            raw = "".join(block.parts)
            parsed = json_object(raw)
            self._content.append({**block.head, "input": raw if parsed is None else parsed})
            return
        if block.kind == "text":
            self._text_stop(block, out)
            return
        self._content.append(block.head)
        if block.client is not None:
            out.append({"type": "content_block_stop", "index": block.client})

    def _text(self, block: _Block, text: str, out: list[Event]) -> None:
        if self.hold_text:
            block.parts.append(text)
            return
        shown = block.gate.feed(text) if block.gate is not None else text
        if shown:
            self._show(block, shown, out)

    def _show(self, block: _Block, text: str, out: list[Event]) -> None:
        if block.client is None:
            block.client = self._open({"type": "text", "text": ""}, out)
        block.parts.append(text)
        delta = {"type": "text_delta", "text": text}
        out.append({"type": "content_block_delta", "index": block.client, "delta": delta})

    def _text_stop(self, block: _Block, out: list[Event]) -> None:
        held = block.gate.finish() if block.gate is not None else ""
        calls, rest = extract_calls(held, self.schemas) if held.strip() else ([], held)
        if calls:
            self.outcome.repairs += len(calls)
            held = rest if rest.strip() else ""
        if held:
            self._show(block, held, out)
        if block.parts:
            self._content.append({"type": "text", "text": "".join(block.parts)})
        for call in calls:
            tool_id = "toolu_" + uuid.uuid4().hex[:24]
            self._content.append({"type": "tool_use", "id": tool_id, **call._asdict()})
        if block.client is not None:
            out.append({"type": "content_block_stop", "index": block.client})

    def _open(self, head: dict[str, Any], out: list[Event]) -> int:
        index, self._next = self._next, self._next + 1
        out.append({"type": "content_block_start", "index": index, "content_block": head})
        return index

    def _whole_block(self, block: Mapping[str, Any], out: list[Event]) -> None:
        if block.get("type") == "text" and not str(block.get("text", "")):
            return
        index, self._next = self._next, self._next + 1
        out.extend(block_events(index, block))


def _accumulate(head: dict[str, Any], delta: Mapping[str, Any]) -> None:
    """Fold a passed-on delta into its block (for the assembled message)."""
    for key in ("thinking", "signature", "text"):
        if isinstance(delta.get(key), str):
            head[key] = str(head.get(key) or "") + delta[key]
