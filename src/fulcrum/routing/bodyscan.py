"""The secrets detector's whole-request scan: every text of a body that would be sent.

The rule is general, not a list of block types: every string of the body is read, at any
depth — messages of every role (text, tool inputs and results, documents, search results,
anything a format adds later), the system prompt, the tools' names, descriptions and
schemas, metadata. A string that is the value of an object's key is read as
``key: "value"``, so ``{"password": "…"}`` reads as the assignment of a string it is. Only
binary payloads are skipped, never scanned: a base64 ``data`` (an image's or a document's
``source`` of ``type: "base64"``, OpenAI's ``input_audio``) and any ``data:…;base64,`` URI
(OpenAI's image and file parts) — they are pictures and files, not text, and their
random-looking base64 would read as a high-entropy token; so are thinking signatures,
redacted thinking and encrypted reasoning, and the ids the APIs give tool calls
(``toolu_…``, ``call_…``).

:func:`fulcrum.routing.features.extract_features` scans only the new part of a turn when
the session's pin vouches for the rest (:mod:`fulcrum.routing.brain.decide`); this module
is the scan for every other request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fulcrum.routing.secrets import CACHED_CHARS, DETECTORS, scan

if TYPE_CHECKING:
    from fulcrum.routing.features import RequestFeatures

BASE64_MARK = ";base64,"
NEW = "new"  # RequestFeatures.scanned: the turn's new part
WHOLE = "whole"  # every text of the request
OPAQUE_KEYS = frozenset({"encrypted_content", "id", "tool_use_id", "tool_call_id", "call_id"})


def request_texts(body: Mapping[str, Any]) -> list[str]:
    """Every text-bearing string of ``body`` (see the module docstring), in body order."""
    out: list[str] = []
    _walk(body, out)
    return out


def scan_request(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The detectors that match anywhere in the text of ``body`` (binary payloads skipped).

    Each top-level part is scanned on its own, so the parts that repeat from session to
    session unchanged (the system prompt, the tools) hit :func:`~fulcrum.routing.secrets.scan`'s
    cache, and only the conversation is read again."""
    found: set[str] = set()
    short: list[str] = []  # parts too short to cache, read in one scan
    for key, value in body.items():
        text = "\n".join(request_texts({key: value}))
        if len(text) < CACHED_CHARS[0]:
            short.append(text)
        else:
            found.update(scan(text))
    found.update(scan("\n".join(short)))
    return tuple(name for name in DETECTORS if name in found)  # registry order, as scan


def scan_whole(features: RequestFeatures, body: Mapping[str, Any]) -> None:
    """Make ``features.secrets`` the whole request's, when only its new part was scanned."""
    if features.scanned != WHOLE:
        features.secrets = scan_request(body)
        features.scanned = WHOLE


def _walk(value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        kind = value.get("type")
        for key, item in value.items():
            if isinstance(item, str):
                if not _opaque(key, kind, value) and not _data_uri(item):
                    out.append(f'{key}: "{item}"')  # a JSON string: a literal
            elif isinstance(item, (Mapping, list)):
                _walk(item, out)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                if not _data_uri(item):
                    out.append(item)
            elif isinstance(item, (Mapping, list)):
                _walk(item, out)


def _opaque(key: str, kind: Any, holder: Mapping[str, Any]) -> bool:
    """A value that is a payload or an id, not text: base64 ``data`` (a ``source`` of ``type:
    "base64"``, OpenAI's ``input_audio``: ``data`` and ``format``), a thinking block's
    ``signature``, ``redacted_thinking`` data, ``encrypted_content`` and the ids the APIs
    give calls and results."""
    if key == "data":
        return kind in ("base64", "redacted_thinking") or (kind is None and "format" in holder)
    if key == "signature":
        return bool(kind == "thinking")
    return key in OPAQUE_KEYS


def _data_uri(text: str) -> bool:
    return text.startswith("data:") and BASE64_MARK in text[:256]
