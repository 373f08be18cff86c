"""The body of ``POST /v1/wake[/NAME]``, checked: every mistake is a 400 naming the field.

```json
{"event": "CI failed on main: 3 tests", "labels": ["page", "later"],
 "instructions": "...", "metadata": {"repo": "api", "source": "github"}}
```

``event`` is required (a non-empty string of at most :data:`MAX_EVENT_CHARS` characters);
``labels`` (a list of at least two distinct non-empty strings) replaces the filter's label
set for this call; ``instructions`` replaces the filter's; ``metadata`` (an object) is shown
to the model as JSON beside the event. Any other key is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fulcrum.errors import InvalidRequest

KEYS = ("event", "labels", "instructions", "metadata")
MAX_EVENT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class WakeRequest:
    event: str
    labels: tuple[str, ...] | None = None
    instructions: str | None = None
    metadata: dict[str, Any] | None = None

    def user_text(self) -> str:
        """The user message: the event, and its metadata as JSON when given."""
        if not self.metadata:
            return f"Event:\n{self.event}"
        meta = json.dumps(self.metadata, ensure_ascii=False, sort_keys=True)
        return f"Event:\n{self.event}\n\nMetadata: {meta}"


def _bad(field: str, accepted: str, value: Any) -> InvalidRequest:
    """``expected ACCEPTED, got VALUE``: a short scalar shown as JSON, else its type."""
    scalar = value is None or isinstance(value, str | int | float | bool)
    got = json.dumps(value)[:60] if scalar else type(value).__name__
    return InvalidRequest(f"{field}: expected {accepted}, got {got}", param=field)


def parse_request(body: dict[str, Any]) -> WakeRequest:
    InvalidRequest.check_fields(body, KEYS)
    if "event" not in body:
        raise InvalidRequest("event: is required (the text of the event)", param="event")
    event = body["event"]
    if not isinstance(event, str) or not event.strip():
        raise _bad("event", "a non-empty string", event)
    if len(event) > MAX_EVENT_CHARS:
        raise InvalidRequest(
            f"event: {len(event)} characters; the limit is {MAX_EVENT_CHARS}", param="event"
        )
    instructions = body.get("instructions")
    if instructions is not None and (not isinstance(instructions, str) or not instructions.strip()):
        raise _bad("instructions", "a non-empty string", instructions)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise _bad("metadata", "an object", metadata)
    return WakeRequest(event, _labels(body.get("labels")), instructions, metadata)


def _labels(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    accepted = "a list of at least two distinct non-empty strings"
    if not isinstance(value, list):
        raise _bad("labels", accepted, value)
    for i, label in enumerate(value):
        if not isinstance(label, str) or not label.strip():
            raise _bad(f"labels[{i}]", "a non-empty string", label)
    if len(value) < 2 or len(set(value)) != len(value):
        raise InvalidRequest(
            f"labels: expected {accepted}, got {json.dumps(value)[:200]}", param="labels"
        )
    return tuple(value)
