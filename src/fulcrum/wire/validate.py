"""A checker for the Anthropic streaming grammar, for tests and for debugging.

``message_start`` first and once; per block ``content_block_start`` →
``content_block_delta``* → ``content_block_stop`` with indices 0, 1, 2 …, one block
open at a time and deltas matching the block type; then ``message_delta`` (with a
``stop_reason`` and ``usage``) and ``message_stop`` last — or an ``error`` event ending
the stream, with every opened block closed. ``ping`` may appear anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fulcrum.wire.sse import SSEEvent

__all__ = ["StreamGrammarError", "check_anthropic_stream"]

_DELTA_FOR = {
    "text": {"text_delta", "citations_delta"},
    "thinking": {"thinking_delta", "signature_delta"},
    "tool_use": {"input_json_delta"},
    "server_tool_use": {"input_json_delta"},
}


class StreamGrammarError(ValueError):
    """The event stream breaks the grammar; the message says where and how."""


def check_anthropic_stream(events: Iterable[SSEEvent]) -> list[dict[str, Any]]:
    """Check ``events``; return their parsed data. Raises :class:`StreamGrammarError`."""
    checker = _Checker()
    datas: list[dict[str, Any]] = []
    for position, event in enumerate(events):
        data = json.loads(event.data)
        datas.append(data)
        kind = data.get("type")
        try:
            if event.event is not None and event.event != kind:
                raise StreamGrammarError(f"SSE name {event.event!r} differs from data type")
            checker.step(str(kind), data)
        except StreamGrammarError as exc:
            raise StreamGrammarError(f"event {position} ({kind}): {exc}") from None
    if checker.state not in ("stopped", "failed"):
        raise StreamGrammarError(f"stream ended in state {checker.state!r} without message_stop")
    return datas


class _Checker:
    def __init__(self) -> None:
        self.state = "begin"  # begin → message → delta → stopped | failed
        self.open_type: str | None = None
        self.next_index = 0

    def step(self, kind: str, data: dict[str, Any]) -> None:
        if self.state in ("stopped", "failed"):
            raise StreamGrammarError(f"event after the stream ended ({self.state})")
        if kind == "ping":
            return
        if kind == "error":
            if self.open_type is not None:
                raise StreamGrammarError("error while a block is still open")
            self.state = "failed"
        elif kind == "message_start":
            if self.state != "begin":
                raise StreamGrammarError("second message_start")
            self.state = "message"
        elif self.state == "begin":
            raise StreamGrammarError("stream does not begin with message_start")
        elif kind.startswith("content_block_"):
            self._block(kind, data)
        elif kind == "message_delta":
            if self.open_type is not None or self.state not in ("message", "delta"):
                raise StreamGrammarError("message_delta while a block is open")
            if not data.get("delta", {}).get("stop_reason") or "usage" not in data:
                raise StreamGrammarError("message_delta without stop_reason and usage")
            self.state = "delta"
        elif kind == "message_stop":
            if self.state != "delta":
                raise StreamGrammarError("message_stop before message_delta")
            self.state = "stopped"

    def _block(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "content_block_start":
            if self.state != "message" or self.open_type is not None:
                raise StreamGrammarError("block opened while another is open or too late")
            if data.get("index") != self.next_index:
                raise StreamGrammarError(
                    f"index {data.get('index')} where {self.next_index} was due"
                )
            self.open_type = str(data.get("content_block", {}).get("type"))
            return
        if self.open_type is None or data.get("index") != self.next_index:
            raise StreamGrammarError("delta or stop for a block that is not open")
        if kind == "content_block_stop":
            self.open_type, self.next_index = None, self.next_index + 1
        elif data["delta"].get("type") not in _DELTA_FOR.get(self.open_type, {""}):
            raise StreamGrammarError(f"{data['delta'].get('type')} in a {self.open_type} block")
