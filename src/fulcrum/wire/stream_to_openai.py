"""Anthropic Messages event stream → OpenAI chat.completion.chunk dicts.

Each chunk has the same ``id``, ``created`` and ``model``; the first carries
``delta.role``; ``tool_use`` blocks become ``delta.tool_calls`` entries numbered from 0
(the first with id, name and empty arguments, then argument fragments); thinking
becomes ``delta.reasoning_content``; ``message_delta`` gives the chunk with
``finish_reason`` (for a legacy ``functions`` client, its one call as
``delta.function_call`` and ``function_call`` as the reason). With ``include_usage``
every chunk carries ``"usage": null`` and a final chunk with empty ``choices`` carries the
usage, as OpenAI sends it. A mid-stream ``error`` event becomes an ``{"error": {...}}``
chunk, which the OpenAI SDKs raise.
Encode chunks with :func:`encode_chunk` and end the stream with :data:`DONE`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from fulcrum.wire.legacy import legacy_finish
from fulcrum.wire.maps import anthropic_error_to_openai, new_id, openai_stop
from fulcrum.wire.sse import SSEEvent
from fulcrum.wire.usage import AnthropicUsageTracker, usage_to_openai

__all__ = ["DONE", "AnthropicToOpenAIStream", "encode_chunk"]

DONE = b"data: [DONE]\n\n"


def encode_chunk(chunk: Mapping[str, Any]) -> bytes:
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


class AnthropicToOpenAIStream:
    def __init__(self, model: str, *, include_usage: bool = True, legacy: bool = False) -> None:
        self.model = model
        self.include_usage = include_usage
        self.legacy = legacy  # a legacy ``functions`` client: its one call as function_call
        self.id = new_id("chatcmpl-")
        self.created = int(time.time())
        self.tracker = AnthropicUsageTracker()
        self._role_sent = False
        self._finish_sent = False
        self._done = False
        self._tool_of_block: dict[int, int] = {}

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, event: SSEEvent) -> list[dict[str, Any]]:
        data = None if self._done else event.object()
        if data is None:
            return []
        kind = data.get("type", event.event)
        self.tracker.feed(data)
        if kind == "error":
            return self.fail(data.get("error"))
        out = self._role()
        if kind == "content_block_start":
            self._block_start(data, out)
        elif kind == "content_block_delta":
            self._block_delta(data, out)
        elif kind == "message_delta":
            delta = data.get("delta")
            reason = delta.get("stop_reason") if isinstance(delta, Mapping) else None
            if reason is not None and not self._finish_sent:
                self._finish_sent = True
                out.append(self._chunk({}, self._finish(openai_stop(reason))))
        elif kind == "message_stop":
            out.extend(self.finish())
        return out

    def finish(self) -> list[dict[str, Any]]:
        """Closing chunks: a finish chunk if none was sent, then the usage chunk."""
        if self._done:
            return []
        out = self._role()
        if not self._finish_sent:
            self._finish_sent = True
            out.append(
                self._chunk({}, self._finish("tool_calls" if self._tool_of_block else "stop"))
            )
        if self.include_usage:
            usage = usage_to_openai(self.tracker.usage)
            out.append(self._base([], usage))
        self._done = True
        return out

    def fail(self, error: Any = None) -> list[dict[str, Any]]:
        """An error chunk ending a stream that failed mid-way."""
        if self._done:
            return []
        self._done = True
        if isinstance(error, Mapping) and error.get("type") == "overloaded_error":
            status = 529
        elif isinstance(error, Mapping) and error.get("type") == "rate_limit_error":
            status = 429
        else:
            status = 500
        return [anthropic_error_to_openai(status, {"error": error} if error else None)]

    def _role(self) -> list[dict[str, Any]]:
        if self._role_sent:
            return []
        self._role_sent = True
        return [self._chunk({"role": "assistant", "content": ""}, None)]

    def _block_start(self, data: Mapping[str, Any], out: list[dict[str, Any]]) -> None:
        block = data.get("content_block")
        if not isinstance(block, Mapping) or block.get("type") != "tool_use":
            return
        index = data.get("index")
        position = len(self._tool_of_block)
        self._tool_of_block[index if isinstance(index, int) else -1 - position] = position
        fn = {"name": str(block.get("name", "")), "arguments": ""}
        self._call(position, fn, {"id": str(block.get("id", "")), "type": "function"}, out)

    def _block_delta(self, data: Mapping[str, Any], out: list[dict[str, Any]]) -> None:
        delta = data.get("delta")
        if not isinstance(delta, Mapping):
            return
        kind = delta.get("type")
        if kind == "text_delta" and isinstance(delta.get("text"), str):
            out.append(self._chunk({"content": delta["text"]}, None))
        elif kind == "thinking_delta" and isinstance(delta.get("thinking"), str):
            out.append(self._chunk({"reasoning_content": delta["thinking"]}, None))
        elif kind == "input_json_delta" and isinstance(delta.get("partial_json"), str):
            index = data.get("index")
            position = self._tool_of_block.get(index) if isinstance(index, int) else None
            if position is not None and delta["partial_json"]:
                self._call(position, {"arguments": delta["partial_json"]}, {}, out)

    def _call(
        self, position: int, fn: dict[str, str], head: dict[str, str], out: list[dict[str, Any]]
    ) -> None:
        """A piece of the call at ``position`` (``head``: its id and type, on its first):
        a ``tool_calls`` entry, or for a legacy client the first call's ``function_call``
        (the legacy shape carries one)."""
        if not self.legacy:
            out.append(
                self._chunk({"tool_calls": [{"index": position, **head, "function": fn}]}, None)
            )
        elif position == 0:
            out.append(self._chunk({"function_call": fn}, None))

    def _finish(self, finish: str) -> str:
        return legacy_finish(finish) if self.legacy else finish

    def _chunk(self, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return self._base([choice], None)

    def _base(self, choices: list[dict[str, Any]], usage: Any) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }
        if self.include_usage:
            chunk["usage"] = usage
        return chunk
