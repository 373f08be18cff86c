"""Rendered responses as byte templates with per-request holes.

Rendering a reply to JSON/SSE once and filling a few holes per request keeps the
fakes' per-request work to a handful of ``bytes.replace`` calls. A hole is a JSON
string such as ``"@IN@"`` (replaced by a number) or a bare ``@ID@`` inside a string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fulcrum.fakes.script import Reply, ToolCall

ID = "@ID@"  # response id suffix
TOOL_ID = "@TID@"  # tool call id
INPUT = "@IN@"  # uncached input tokens (number)
PROMPT = "@PT@"  # input + cache read + cache write (number)
TOTAL = "@TT@"  # prompt + output (number)
CREATED = "@CR@"  # unix time (number)

_NUMBER_HOLES = (INPUT, PROMPT, TOTAL, CREATED)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def fill(chunks: list[bytes], values: Mapping[str, str]) -> list[bytes]:
    """Chunks with every hole replaced (number holes lose their quotes)."""
    pairs = [
        ((f'"{hole}"' if hole in _NUMBER_HOLES else hole).encode(), value.encode())
        for hole, value in values.items()
    ]
    out: list[bytes] = []
    for chunk in chunks:
        filled = chunk
        if b"@" in filled:
            for hole, value in pairs:
                filled = filled.replace(hole, value)
        out.append(filled)
    return out


_WORD = re.compile(r"\s*\S+\s*|\s+")


def pieces(text: str, words: int) -> list[str]:
    """Text split the way a model streams it: a few words per delta."""
    tokens = _WORD.findall(text) or [text]
    step = max(words, 1)
    return ["".join(tokens[i : i + step]) for i in range(0, len(tokens), step)]


def output_tokens(entry: Reply | ToolCall) -> int:
    if entry.output_tokens is not None:
        return entry.output_tokens
    if isinstance(entry, Reply):
        text = entry.text + (entry.thinking or "")
    else:
        text = (entry.text or "") + entry.name + json.dumps(dict(entry.input))
    return max(1, len(text) // 4)


def input_tokens(entry: Reply | ToolCall | None, raw_size: int) -> int:
    if entry is not None and entry.input_tokens is not None:
        return entry.input_tokens
    return max(1, raw_size // 4)


def argument_pieces(arguments: str, size: int = 8) -> list[str]:
    """Tool arguments as streamed fragments."""
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
