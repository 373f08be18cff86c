"""Shaping one request for its backend, and the answer back for the client.

The client's API and the backend's wire format are independent
:class:`~fulcrum.gateway.upstream.formats.ApiFormat`
objects: when they are the same the body is passed
through (re-serialized only when the model or ``max_tokens`` changes), otherwise the pair's
conversion (through the Anthropic hub) translates. Usage is read by the upstream's format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fulcrum.errors import (
    AuthenticationError,
    FulcrumError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RequestTooLarge,
    UpstreamError,
)
from fulcrum.gateway.upstream.formats import ApiFormat, convert_request, convert_response
from fulcrum.wire import fastjson
from fulcrum.wire.maps import UnfinishedAnswer, error_message
from fulcrum.wire.usage import TokenUsage, generation_ms

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.backends import Backend
    from fulcrum.gateway.upstream.chain import BodyBuilder
    from fulcrum.routing.router import RouteTarget

Body = dict[str, Any]

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
    api: ApiFormat,
    body: Body,
    raw: bytes,
    *,
    fmt: ApiFormat,
    model: str,
    max_tokens: int | None,
    stream: bool,
) -> bytes:
    """The bytes to POST upstream for this client body on a backend of format ``fmt``."""
    out = convert_request(api, fmt, body)  # shallow when the same: failover may reuse the body
    changed = fmt is not api
    if changed:
        out["stream"] = stream
    if out.get("model") != model:
        out["model"] = model
        changed = True
    changed |= _clamp(out, fmt, max_tokens)
    changed |= fmt.prepare_upstream(out, stream=stream)
    if not changed:
        return raw
    return (fmt is api and with_added_keys(raw, body, out)) or dumps(out)


def with_added_keys(raw: bytes, body: Body, out: Body) -> bytes | None:
    """``raw`` (the JSON of ``body``) with the keys ``out`` adds appended, when adding keys is
    all ``out`` changes (OpenAI's ``stream_options`` on a stream): the client's bytes are not
    encoded again, which on a long conversation is most of the cost. None otherwise."""
    if not body or any(k not in out or (out[k] is not v and out[k] != v) for k, v in body.items()):
        return None
    added = {k: v for k, v in out.items() if k not in body}
    stripped = raw.rstrip()
    if not added or not stripped.endswith(b"}"):
        return None
    return stripped[:-1] + b"," + dumps(added)[1:]


def body_builder(api: ApiFormat, body: Body, raw: bytes, *, stream: bool) -> BodyBuilder:
    """The ``build`` a chain calls per try: :func:`upstream_body` for that backend's format,
    model and ``max_tokens``."""

    def build(backend: Backend, target: RouteTarget) -> bytes:
        return upstream_body(
            api,
            body,
            raw,
            fmt=backend.format,
            model=target.model,
            max_tokens=target.max_tokens,
            stream=stream,
        )

    return build


def _clamp(out: Body, fmt: ApiFormat, max_tokens: int | None) -> bool:
    if max_tokens is None:
        return False
    for key in fmt.max_tokens_keys:
        value = out.get(key)
        if isinstance(value, int) and value > max_tokens:
            out[key] = max_tokens
            return True
    return False


def client_body(
    api: ApiFormat,
    fmt: ApiFormat,
    upstream: bytes,
    model: str,
    request: Mapping[str, Any] | None = None,
) -> bytes:
    """The successful non-streaming answer in the client's API (shaped for its ``request``)."""
    if fmt is api:
        return upstream
    return dumps(convert_response(api, fmt, json.loads(upstream), model=model, request=request))


def usage_of(fmt: ApiFormat, upstream: bytes) -> TokenUsage:
    """A whole answer's usage (zero when it cannot be read)."""
    return answer_measures(fmt, upstream)[0]


def answer_measures(fmt: ApiFormat, upstream: bytes) -> tuple[TokenUsage, float | None]:
    """A whole answer's usage, and how long its server says generating it took (llama.cpp's
    ``timings``; None when it says nothing): the answer parsed once."""
    try:
        body = fastjson.loads(upstream)
    except ValueError:
        return TokenUsage(0, 0), None
    if not isinstance(body, dict):
        return TokenUsage(0, 0), None
    return fmt.usage(body), generation_ms(body)


def upstream_client_error(status: int, body: bytes) -> FulcrumError:
    """A 4xx from a backend of another format, as the error the client should see."""
    cls = CLIENT_ERRORS.get(status, InvalidRequest)
    return cls(f"upstream rejected the request (HTTP {status}): {error_message(body)}")


def answer_error(backend: str, exc: Exception) -> UpstreamError:
    """A successful answer the client's API cannot be given: unfinished by the server, or
    malformed (what translating it raised)."""
    if isinstance(exc, UnfinishedAnswer):
        return UpstreamError(f"{backend}: {exc}")
    return UpstreamError(f"{backend} sent a malformed answer ({exc})")
