"""Reliable tool use on local routes: the gateway's I/O around :mod:`fulcrum.gateway.tooluse`.

When a request with tools is routed to a ``local`` backend (and its ``tool_choice`` does not
forbid tools), the gateway runs :func:`~fulcrum.gateway.tooluse.call_with_tool_checks` with a
``send`` that posts the Anthropic-format request up the route chain (failover before the
first byte, as on every route) and the retry to the backend that answered. The checked
message goes back in the client's API, re-emitted as a well-formed stream
(:func:`~fulcrum.gateway.tooluse.message_events`) when the client asked for one. Repairs,
retries and the usage of every call are recorded in the ledger row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from fulcrum.errors import UpstreamError
from fulcrum.gateway.metering import Call
from fulcrum.gateway.relay import SSE_HEADERS
from fulcrum.gateway.state import STATE
from fulcrum.gateway.tooluse import call_with_tool_checks, message_events, needs_tool_checks
from fulcrum.gateway.translate import dumps, upstream_body, upstream_client_error
from fulcrum.gateway.upstream import open_chain
from fulcrum.wire.request_to_anthropic import openai_to_anthropic_request
from fulcrum.wire.responses import anthropic_to_openai_response, openai_to_anthropic_response
from fulcrum.wire.sse import encode_sse
from fulcrum.wire.stream_to_openai import DONE, AnthropicToOpenAIStream, encode_chunk
from fulcrum.wire.usage import TokenUsage, anthropic_usage

Body = dict[str, Any]


def needs_review(body: Mapping[str, Any], kind: str) -> bool:
    """True for a request with tools, on a local route, whose ``tool_choice`` allows them."""
    return kind == "local" and needs_tool_checks(body)


def message_request(api: str, body: Body) -> Body:
    """The client's body as an Anthropic Messages request."""
    return dict(body) if api == "anthropic" else openai_to_anthropic_request(body)


class _Sender:
    """``send`` for the tool-use flow: the first call goes up the chain, a retry goes to the
    backend that answered; usage of every call is summed for the ledger."""

    def __init__(self, request: web.Request, chain: list[Any], call: Call) -> None:
        self.request = request
        self.chain = chain
        self.call = call
        self.usage = TokenUsage(0, 0)

    async def __call__(self, message_req: Body) -> Body:
        raw = dumps(message_req)

        def build(backend: Any, target: Any) -> bytes:
            return upstream_body(
                "anthropic",
                message_req,
                raw,
                fmt=backend.format.name,
                model=target.model,
                max_tokens=target.max_tokens,
                stream=False,
            )

        opened = await open_chain(self.chain, build, self.request.headers, stream=False)
        self.chain = [(opened.backend, opened.target)]
        self.call.failures.extend(opened.failures)
        self.call.served_by(opened.backend, opened.target)
        if not opened.ok:
            raise upstream_client_error(opened.status, opened.first)
        message = _parse(opened.first, opened.backend.format.name, opened.target)
        self.usage = _add(self.usage, anthropic_usage(message))
        return message


async def serve_reviewed(
    request: web.Request, api: str, body: Body, chain: list[Any], call: Call
) -> web.StreamResponse:
    """The tool-use-checked path (see the module docstring)."""
    send = _Sender(request, chain, call)
    message_req = {**message_request(api, body), "stream": False}
    message, outcome = await call_with_tool_checks(message_req, send)
    call.usage = send.usage
    call.tool_repairs = outcome.repairs
    call.tool_retries = outcome.retries
    if request.app[STATE].config.server.store_bodies:
        call.response_body = dumps(message).decode()
    model = call.model_requested
    message = {**message, "model": model}
    info = {"x-fulcrum-backend": call.backend, "x-fulcrum-model": call.model}
    if body.get("stream") is True:
        return await _restream(request, api, body, message, info)
    out = message if api == "anthropic" else anthropic_to_openai_response(message, model=model)
    resp = web.Response(body=dumps(out), content_type="application/json", headers=info)
    await resp.prepare(request)
    await resp.write_eof()
    call.end()
    return resp


def _parse(data: bytes, fmt: str, target: Any) -> Body:
    try:
        parsed = json.loads(data)
        if fmt == "openai":
            parsed = openai_to_anthropic_response(parsed, model=target.model)
    except (ValueError, KeyError, TypeError) as exc:
        raise UpstreamError(f"{target.backend} sent a malformed answer ({exc})") from exc
    if not isinstance(parsed, dict):
        raise UpstreamError(f"{target.backend} sent a malformed answer (not an object)")
    return parsed


def _add(a: TokenUsage, b: TokenUsage) -> TokenUsage:
    return TokenUsage(
        a.input_tokens + b.input_tokens,
        a.output_tokens + b.output_tokens,
        a.cache_read_tokens + b.cache_read_tokens,
        a.cache_write_tokens + b.cache_write_tokens,
    )


async def _restream(
    request: web.Request, api: str, body: Body, message: Body, info: dict[str, str]
) -> web.StreamResponse:
    events = message_events(message)
    if api == "anthropic":
        data = b"".join(encode_sse(e) for e in events)
    else:
        options = body.get("stream_options")
        usage_chunk = isinstance(options, dict) and options.get("include_usage") is True
        translator = AnthropicToOpenAIStream(str(message["model"]), include_usage=usage_chunk)
        chunks = [c for e in events for c in translator.feed(e)] + translator.finish()
        data = b"".join(encode_chunk(c) for c in chunks) + DONE
    resp = web.StreamResponse(status=200, headers={**SSE_HEADERS, **info})
    await resp.prepare(request)
    await resp.write(data)
    await resp.write_eof()
    return resp
