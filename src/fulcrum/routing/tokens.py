"""A fast, documented input-token estimator.

Used by the context-window guard and for ``count_tokens`` when the routed backend cannot
answer it. The rule: serialize ``system`` + ``messages`` + ``tools`` as compact JSON and divide
the character count by :data:`CHARS_PER_TOKEN` (≈3.5, the usual figure for English prose and
code under BPE tokenizers of the Claude / Llama / Qwen families), rounding up. JSON keys and
punctuation make the estimate err on the high side, which is the safe side for a guard.

Images and documents are not counted by their base64 size (a 1 MB screenshot is not 300,000
tokens): each one counts as :data:`IMAGE_TOKENS`, close to the cost of a full-size image on
the Anthropic API (about width × height / 750, capped near 1,600).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

CHARS_PER_TOKEN = 3.5
IMAGE_TOKENS = 1600
_COUNTED_FIELDS = ("system", "messages", "tools", "functions")


def estimate_tokens_text(text: str) -> int:
    """Tokens in a plain string by the same rule (chars / 3.5, rounded up)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_request_tokens(body: Mapping[str, Any], raw: bytes | None = None) -> int:
    """Estimated input tokens of an Anthropic or OpenAI request body.

    Counts ``system``, ``messages``, ``tools`` (and legacy OpenAI ``functions``); every other
    field (sampling settings, metadata) is ignored. Never raises on odd shapes.

    Fast path: when the gateway passes the request's ``raw`` bytes, their characters stand in
    for the serialized payload (a few hundred bytes of other fields make it run slightly high),
    so the body is not serialized again: characters, not bytes, so a multi-byte UTF-8
    character counts one, as in the compact JSON (a ``\\uXXXX`` escape counts six). Messages
    are walked for images only when the bytes contain ``base64``. ``route explain``, ``route
    replay`` and ``router signals`` pass the bytes too (the file's, the stored body's).
    """
    if raw is not None:
        chars = raw_chars(raw)
        image_chars, images = (0, 0)
        if b"base64" in raw:
            image_chars, images = _binary_payload(body.get("messages"))
    else:
        payload = {key: body[key] for key in _COUNTED_FIELDS if key in body}
        if not payload:
            return 0
        chars = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str))
        image_chars, images = _binary_payload(body.get("messages"))
    chars = max(chars - image_chars, 0)
    return math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS


def raw_chars(raw: bytes) -> int:
    """The characters of a JSON body's bytes, UTF-8 decoded: a CJK character is one, not
    three. An ASCII body (the usual one) is not decoded, and its ``\\uXXXX`` escapes are
    not looked for (a search of every request's bytes): each counts six, on the high side."""
    return len(raw) if raw.isascii() else len(raw.decode("utf-8", "replace"))


def count_tokens_response(body: Mapping[str, Any]) -> dict[str, int]:
    """An Anthropic ``/v1/messages/count_tokens`` answer built from the estimate."""
    return {"input_tokens": estimate_request_tokens(body)}


def _binary_payload(messages: Any) -> tuple[int, int]:
    """(characters of base64/data-URL payloads, number of images/documents) in messages."""
    chars = 0
    count = 0
    for block in _blocks(messages):
        payload = _block_payload(block)
        if payload is not None:
            chars += len(payload)
            count += 1
    return chars, count


def _blocks(messages: Any) -> Iterable[Mapping[str, Any]]:
    if not isinstance(messages, list):
        return
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, Mapping):
                continue
            yield block
            nested = block.get("content")
            if block.get("type") == "tool_result" and isinstance(nested, list):
                yield from (b for b in nested if isinstance(b, Mapping))


def _block_payload(block: Mapping[str, Any]) -> str | None:
    kind = block.get("type")
    if kind in ("image", "document"):
        source = block.get("source")
        if isinstance(source, Mapping) and source.get("type") == "base64":
            data = source.get("data")
            return data if isinstance(data, str) else ""
        return ""
    if kind == "image_url":
        image = block.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        return url if isinstance(url, str) and url.startswith("data:") else ""
    return None
