"""Reliable tool use on local routes: review the whole answer, retry once, then reply.

When a request with tools is routed to a ``local`` backend, the gateway asks the backend
for a non-streaming answer (in Anthropic terms, whatever the backend's format), runs
:mod:`fulcrum.gateway.tooluse` over it — JSON-string inputs parsed, calls printed as text
recovered, arguments validated against each tool's schema, a forced ``tool_choice``
checked — and sends one retry carrying the validation error when needed. The final
message goes back in the client's API, re-emitted as a well-formed stream when the
client asked for one. Repairs and retries are counted in the ledger row.
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
from fulcrum.gateway.tooluse import ToolUseOutcome, prepare_forced_request, review_response
from fulcrum.gateway.translate import dumps, upstream_body, upstream_client_error
from fulcrum.gateway.upstream import Opened, open_chain
from fulcrum.wire.request_to_anthropic import openai_to_anthropic_request
from fulcrum.wire.responses import anthropic_to_openai_response, openai_to_anthropic_response
from fulcrum.wire.sse import SSEEvent, encode_sse, json_event
from fulcrum.wire.stream_to_openai import DONE, AnthropicToOpenAIStream, encode_chunk
from fulcrum.wire.usage import TokenUsage, anthropic_usage

Body = dict[str, Any]


def needs_review(body: Mapping[str, Any], kind: str) -> bool:
    tools = body.get("tools")
    return kind == "local" and isinstance(tools, list) and bool(tools)


async def serve_reviewed(
    request: web.Request,
    api: str,
    body: Body,
    chain: list[Any],
    call: Call,
) -> web.StreamResponse:
    """The tool-use-checked path (see the module docstring)."""
    message_req = body if api == "anthropic" else openai_to_anthropic_request(body)
    message_req = prepare_forced_request({**message_req, "stream": False})
    outcome = ToolUseOutcome()
    opened, message = await _send(request, chain, message_req, call)
    usage = anthropic_usage(message)
    if opened.target.kind == "local":
        review = review_response(message_req, message, outcome, retry_allowed=True)
        if review.retry_request is not None:
            retry_chain = [(opened.backend, opened.target)]
            _, message = await _send(request, retry_chain, review.retry_request, call)
            usage = _add(usage, anthropic_usage(message))
            review = review_response(message_req, message, outcome, retry_allowed=False)
        message = review.body
    call.usage = usage
    call.tool_repairs = outcome.repairs
    call.tool_retries = outcome.retries
    if request.app[STATE].config.server.store_bodies:
        call.response_body = dumps(message).decode()
    model = call.model_requested
    info = {"x-fulcrum-backend": call.backend, "x-fulcrum-model": call.model}
    if body.get("stream") is True:
        options = body.get("stream_options")
        usage_chunk = isinstance(options, dict) and options.get("include_usage") is True
        return await _restream(request, api, message, model, info, include_usage=usage_chunk)
    out = message if api == "anthropic" else anthropic_to_openai_response(message, model=model)
    return web.Response(body=dumps(out), content_type="application/json", headers=info)


async def _send(
    request: web.Request, chain: list[Any], message_req: Body, call: Call
) -> tuple[Opened, Body]:
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

    opened = await open_chain(chain, build, request.headers, stream=False)
    call.served_by(opened.backend, opened.target)
    if not opened.ok:
        raise upstream_client_error(opened.status, opened.first)
    try:
        parsed = json.loads(opened.first)
        if opened.backend.format.name == "openai":
            parsed = openai_to_anthropic_response(parsed, model=opened.target.model)
    except (ValueError, KeyError, TypeError) as exc:
        raise UpstreamError(f"{opened.target.backend} sent a malformed answer ({exc})") from exc
    if not isinstance(parsed, dict):
        raise UpstreamError(f"{opened.target.backend} sent a malformed answer (not an object)")
    return opened, parsed


def _add(a: TokenUsage, b: TokenUsage) -> TokenUsage:
    return TokenUsage(
        a.input_tokens + b.input_tokens,
        a.output_tokens + b.output_tokens,
        a.cache_read_tokens + b.cache_read_tokens,
        a.cache_write_tokens + b.cache_write_tokens,
    )


def message_events(message: Mapping[str, Any], model: str) -> list[SSEEvent]:
    """A complete Anthropic message as the well-formed event stream that carries it."""
    raw_usage = message.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    start = {
        **{k: v for k, v in message.items() if k not in ("content", "stop_reason")},
        "model": model,
        "content": [],
        "stop_reason": None,
        "usage": {**usage, "output_tokens": 0},
    }
    events = [json_event({"type": "message_start", "message": start})]
    blocks = message.get("content")
    for index, block in enumerate(blocks if isinstance(blocks, list) else []):
        events.extend(_block_events(index, block))
    delta = {"stop_reason": message.get("stop_reason"), "stop_sequence": None}
    out_usage = {"output_tokens": usage.get("output_tokens", 0)}
    events.append(json_event({"type": "message_delta", "delta": delta, "usage": out_usage}))
    events.append(json_event({"type": "message_stop"}))
    return events


def _block_events(index: int, block: Mapping[str, Any]) -> list[SSEEvent]:
    kind = block.get("type")
    if kind == "tool_use":
        head = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block.get("input", {}))}
    elif kind == "thinking":
        head = {**block, "thinking": ""}
        delta = {"type": "thinking_delta", "thinking": block.get("thinking", "")}
    else:
        head = {**block, "text": ""}
        delta = {"type": "text_delta", "text": block.get("text", "")}
    return [
        json_event({"type": "content_block_start", "index": index, "content_block": head}),
        json_event({"type": "content_block_delta", "index": index, "delta": delta}),
        json_event({"type": "content_block_stop", "index": index}),
    ]


async def _restream(
    request: web.Request,
    api: str,
    message: Body,
    model: str,
    info: dict[str, str],
    *,
    include_usage: bool,
) -> web.StreamResponse:
    events = message_events(message, model)
    if api == "anthropic":
        data = b"".join(encode_sse(e) for e in events)
    else:
        translator = AnthropicToOpenAIStream(model, include_usage=include_usage)
        chunks = [c for e in events for c in translator.feed(e)] + translator.finish()
        data = b"".join(encode_chunk(c) for c in chunks) + DONE
    resp = web.StreamResponse(status=200, headers={**SSE_HEADERS, **info})
    await resp.prepare(request)
    await resp.write(data)
    await resp.write_eof()
    return resp
