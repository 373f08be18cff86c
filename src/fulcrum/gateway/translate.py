"""Shaping one request for its backend, and the answer back for the client.

The client's API (``anthropic`` for ``/v1/messages``, ``openai`` for ``/v1/chat/completions``)
and the backend's wire format are independent: when they match the body is passed
through (re-serialized only when the model or ``max_tokens`` changes), otherwise
:mod:`fulcrum.wire` translates. Usage is read from the upstream's own format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fulcrum.errors import (
    AuthenticationError,
    FulcrumError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RequestTooLarge,
)
from fulcrum.wire.maps import error_message
from fulcrum.wire.request_to_anthropic import openai_to_anthropic_request
from fulcrum.wire.request_to_openai import anthropic_to_openai_request
from fulcrum.wire.responses import anthropic_to_openai_response, openai_to_anthropic_response
from fulcrum.wire.usage import TokenUsage, anthropic_usage, openai_usage

Body = dict[str, Any]

REQUEST: dict[tuple[str, str], Callable[[Mapping[str, Any]], Body]] = {
    ("anthropic", "openai"): anthropic_to_openai_request,
    ("openai", "anthropic"): openai_to_anthropic_request,
}
RESPONSE: dict[tuple[str, str], Callable[..., Body]] = {
    ("anthropic", "openai"): openai_to_anthropic_response,
    ("openai", "anthropic"): anthropic_to_openai_response,
}
USAGE: dict[str, Callable[[Mapping[str, Any]], TokenUsage]] = {
    "anthropic": anthropic_usage,
    "openai": openai_usage,
}
CLIENT_ERRORS: dict[int, type[FulcrumError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    413: RequestTooLarge,
}


def dumps(obj: Any) -> bytes:
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate (requests are refused earlier): keep it escaped
        return json.dumps(obj, separators=(",", ":")).encode()


def upstream_body(
    api: str,
    body: Body,
    raw: bytes,
    *,
    fmt: str,
    model: str,
    max_tokens: int | None,
    stream: bool,
) -> bytes:
    """The bytes to POST upstream for this client body on a backend of format ``fmt``."""
    if fmt == api:
        out = dict(body)  # shallow: failover may shape the same body for another backend
        changed = False
    else:
        out = REQUEST[(api, fmt)](body)
        out["stream"] = stream
        changed = True
    if out.get("model") != model:
        out["model"] = model
        changed = True
    changed |= _clamp(out, fmt, max_tokens)
    if fmt == "openai" and stream:
        options = out.get("stream_options")
        if not (isinstance(options, dict) and options.get("include_usage")):
            out["stream_options"] = {**(options or {}), "include_usage": True}
            changed = True
    return dumps(out) if changed else raw


def _clamp(out: Body, fmt: str, max_tokens: int | None) -> bool:
    if max_tokens is None:
        return False
    keys = ("max_tokens",) if fmt == "anthropic" else ("max_completion_tokens", "max_tokens")
    for key in keys:
        value = out.get(key)
        if isinstance(value, int) and value > max_tokens:
            out[key] = max_tokens
            return True
    return False


def client_body(api: str, fmt: str, upstream: bytes, model: str) -> bytes:
    """The successful non-streaming answer in the client's API."""
    if fmt == api:
        return upstream
    return dumps(RESPONSE[(api, fmt)](json.loads(upstream), model=model))


def usage_of(fmt: str, upstream: bytes) -> TokenUsage:
    try:
        body = json.loads(upstream)
    except ValueError:
        return TokenUsage(0, 0)
    return USAGE[fmt](body) if isinstance(body, dict) else TokenUsage(0, 0)


def upstream_client_error(status: int, body: bytes) -> FulcrumError:
    """A 4xx from a backend of another format, as the error the client should see."""
    cls = CLIENT_ERRORS.get(status, InvalidRequest)
    return cls(f"upstream rejected the request (HTTP {status}): {error_message(body)}")
