"""A kept conversation continued: the items a ``previous_response_id`` stands for, and the
response a Responses stream ended with (what is kept of a streamed answer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.responsestate.store import Items, Kept
from fulcrum.wire.sse import SSEDecoder

PREVIOUS = "previous_response_id"
FINAL_EVENTS = (b"response.completed", b"response.incomplete", b"response.failed")
_CALL_KEYS = ("call_id", "name", "arguments", "namespace")


def input_items(value: Any) -> Items:
    """A request's ``input`` as items, in the form OpenAI lists them: a string is one user
    message, and a message's text content a list of one text part."""
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    items = value if isinstance(value, list) else []
    return [_item(item) for item in items if isinstance(item, Mapping)]


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type", "message")
    content = item.get("content")
    if kind != "message" or not isinstance(content, str):
        return {"type": kind, **item}
    part = "output_text" if item.get("role") == "assistant" else "input_text"
    return {"type": kind, **item, "content": [{"type": part, "text": content}]}


def as_input(output: Any) -> Items:
    """A response's output items as a later request's input: its messages and function
    calls, without ids or statuses (they name the gateway's items, which no backend knows).
    Reasoning is left out, as the gateway leaves it out of what it sends a backend."""
    items: Items = []
    for item in output if isinstance(output, list) else ():
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type")
        if kind == "message":
            parts = [p for p in map(_part, item.get("content") or ()) if p is not None]
            if parts:
                items.append({"type": "message", "role": item.get("role") or "assistant",
                              "content": parts})  # fmt: skip
        elif kind == "function_call":
            items.append({"type": "function_call", **{k: item[k] for k in _CALL_KEYS if k in item}})
    return items


def _part(part: Any) -> dict[str, Any] | None:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind == "output_text":
        return {"type": "output_text", "text": part.get("text") or ""}
    if kind == "refusal":
        return {"type": "refusal", "refusal": part.get("refusal") or ""}
    return None


def turn(kept_input: Items, response: Mapping[str, Any]) -> Items:
    """What one kept turn adds to a conversation continued from it: its input, its answer."""
    return [*kept_input, *as_input(response.get("output"))]


def answered(chain: list[Kept]) -> Items:
    """The input the chain's last response answered: the turns before it, then what its own
    request added."""
    return [*(item for kept in chain[:-1] for item in kept.turn), *chain[-1].input]


def continued(body: Mapping[str, Any], before: Items) -> dict[str, Any]:
    """``body`` with the conversation it continues (``before``) in front of its own input. It
    keeps its ``previous_response_id`` for the answer to name; no backend is sent it (it knows
    none of the gateway's ids): :func:`sent` leaves it out, and so does a Responses backend's
    format. Instructions are not carried over: OpenAI does not carry them either."""
    return {**body, "input": [*before, *input_items(body.get("input"))]}


def sent(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` as a backend may be sent it: without ``previous_response_id``."""
    return {key: value for key, value in body.items() if key != PREVIOUS}


def final_response(stream: bytes) -> dict[str, Any] | None:
    """The response a Responses stream ended with (its last ``response.completed``,
    ``response.incomplete`` or ``response.failed`` event), decoded from that event on; None
    when it has none. (An event name starts a line; inside data a newline is escaped.)"""
    at = max(stream.rfind(b"\nevent: " + name) for name in FINAL_EVENTS)
    if at < 0:
        return None
    for event in SSEDecoder().feed(stream[at + 1 :] + b"\n\n"):
        data = event.object()
        response = data.get("response") if data is not None else None
        if isinstance(response, dict):
            return response
    return None
