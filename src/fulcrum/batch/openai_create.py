"""The body of OpenAI's ``POST /v1/batches``, checked as the real API checks it: every field
it names is required or bounded, and a mistake is a 400 whose ``param`` names the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fulcrum.errors import InvalidRequest

WINDOWS = ("24h",)
# OpenAI's metadata: at most 16 pairs of strings, keys to 64 characters, values to 512
META_KEYS, META_KEY_CHARS, META_VALUE_CHARS = 16, 64, 512


@dataclass(frozen=True, slots=True)
class CreateBatch:
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None


# output_expires_after: accepted, and moot (a batch's files last as long as it does)
FIELDS = ("input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after")


def parse_create(body: dict[str, Any]) -> CreateBatch:
    InvalidRequest.check_fields(body, FIELDS)  # the API refuses any other
    for key in ("input_file_id", "endpoint", "completion_window"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise InvalidRequest(f"{key}: a required string", param=key)
    if body["completion_window"] not in WINDOWS:
        raise InvalidRequest(f"completion_window: {body['completion_window']!r} is not "
                             "supported; use '24h'", param="completion_window")  # fmt: skip
    return CreateBatch(body["input_file_id"], body["endpoint"], body["completion_window"],
                       check_metadata(body.get("metadata")))  # fmt: skip


def check_metadata(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _meta("an object of strings")
    if len(value) > META_KEYS:
        raise _meta(f"at most {META_KEYS} keys; got {len(value)}")
    for key, text in value.items():
        if len(key) > META_KEY_CHARS:
            raise _meta(f"key {key[:20]!r}... is over {META_KEY_CHARS} characters")
        if not isinstance(text, str):
            raise _meta(f"{key!r}: values are strings, got {type(text).__name__}")
        if len(text) > META_VALUE_CHARS:
            raise _meta(f"{key!r}: values are at most {META_VALUE_CHARS} characters")
    return dict(value)


def _meta(why: str) -> InvalidRequest:
    return InvalidRequest(f"metadata: {why}", param="metadata")
