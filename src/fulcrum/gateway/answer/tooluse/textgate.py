"""Stream text at once, except what may be a tool call printed as text.

A local model sometimes writes a tool call in its template's text form (see
:mod:`fulcrum.gateway.answer.tooluse.recover`).
Text that cannot start such a call goes to the client
as it arrives; from the first marker on (``<tool_call>``, ``<function=``, ``[TOOL_CALLS]``,
``<|python_tag|>`` or a fence opened as ```` ```json ````/```` ```tool… ````) the gate holds the
text until it is decided. A tail that could still grow into a marker (``"<tool_"``) waits for
the next delta. Some forms are decided early and released when they cannot be a call: a fence
whose body does not start with ``{`` or ``[``, a fence or ``<tool_call>…</tool_call>`` that
closes without holding a call, and a ``<function=NAME>`` naming an undeclared tool. Everything
else held is decided when the text block ends (:meth:`TextGate.finish`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fulcrum.gateway.answer.tooluse.recover import extract_calls

MARKERS = (
    "<tool_call>",
    "<function=",
    "[TOOL_CALLS]",
    "<|python_tag|>",
    "```json",
    "```tool",
)
_TAG, _CLOSE_TAG = "<tool_call>", "</tool_call>"
_FENCE_BODY = re.compile(r"```[A-Za-z_]*[ \t]*\n\s*(\S)")
_FUNCTION_NAME = re.compile(r"<function=([^>\s]*)[>\s]")


class TextGate:
    """Feed text deltas of one block; get back the text that may be shown now."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.schemas = schemas
        self.pending = ""  # text not shown yet
        self.holding = False  # ``pending`` starts with a marker

    def feed(self, text: str) -> str:
        self.pending += text
        return self._release()

    def finish(self) -> str:
        """What is still held at the end of the block (the caller decides it)."""
        held, self.pending, self.holding = self.pending, "", False
        return held

    def _release(self) -> str:
        shown: list[str] = []
        while True:
            if self.holding:
                cut = _not_a_call(self.pending, self.schemas)
                if cut is None:
                    break
                shown.append(self.pending[:cut])
                self.pending, self.holding = self.pending[cut:], False
            start = _marker_at(self.pending)
            if start is None:
                keep = _partial_tail(self.pending)
                cut = len(self.pending) - keep
                shown.append(self.pending[:cut])
                self.pending = self.pending[cut:]
                break
            shown.append(self.pending[:start])
            self.pending, self.holding = self.pending[start:], True
        return "".join(shown)


def _marker_at(text: str) -> int | None:
    found = [i for i in (text.find(m) for m in MARKERS) if i >= 0]
    return min(found) if found else None


def _partial_tail(text: str) -> int:
    """Length of the longest tail of ``text`` that is a proper prefix of a marker."""
    best = 0
    for marker in MARKERS:
        for size in range(min(len(marker) - 1, len(text)), best, -1):
            if marker.startswith(text[-size:]):
                best = size
                break
    return best


def _not_a_call(held: str, schemas: Mapping[str, Mapping[str, Any]]) -> int | None:
    """Where to release ``held`` once it cannot be a call (past its marker), else None."""
    if held.startswith("```"):
        body = _FENCE_BODY.match(held)
        if body is None:
            return None
        if body.group(1) not in "{[":
            return 3
        close = held.find("```", body.end())
        if close >= 0 and not extract_calls(held[: close + 3], schemas)[0]:
            return close + 3
        return None
    if held.startswith(_TAG):
        close = held.find(_CLOSE_TAG)
        end = close + len(_CLOSE_TAG)
        if close >= 0 and not extract_calls(held[:end], schemas)[0]:
            return end
        return None
    if held.startswith("<function="):
        name = _FUNCTION_NAME.match(held)
        if name is not None and name.group(1) not in schemas:
            return len("<function=")
    return None
