"""The summary's text: a message's parts read as text, clipped to head and tail, one entry
per line."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

CLIP = {"user": 2000, "assistant": 1000, "call": 300, "result": 1200}
TEXT_PARTS = ("text", "input_text", "output_text")


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


def unmarked(value: Any) -> Any:
    """``value`` without its cache markers (clients move them turn by turn)."""
    if isinstance(value, Mapping):
        return {k: unmarked(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [unmarked(v) for v in value]
    return value


def role(message: Any) -> Any:
    return message.get("role") if isinstance(message, Mapping) else None


def texts(content: Any) -> Iterator[str]:
    """The text of a content value (a string, or text parts/blocks); other parts by type."""
    if isinstance(content, str):
        yield content
        return
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind in TEXT_PARTS and isinstance(part.get("text"), str):
            yield part["text"]
        elif kind in ("image", "image_url", "input_image", "document", "file"):
            yield f"[{kind}]"


def said(who: str, content: Any) -> Iterator[str]:
    for text in texts(content):
        if text.strip():
            yield line(who, clip(text, CLIP[who]))


def call(name: Any, arguments: Any) -> str:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
    return line(f"assistant called {name}", clip(args, CLIP["call"]))


def result(name: str, content: Any, *, error: bool = False) -> str:
    text = "\n".join(texts(content))
    what = "error from" if error else "result of"
    return line(f"{what} {name}", clip(text, CLIP["result"]) or "(empty)")
