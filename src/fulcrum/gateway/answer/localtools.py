"""Reliable tool use on local routes: the I/O around :mod:`fulcrum.gateway.answer.tooluse`.

A request with tools routed to a ``local`` backend (its ``tool_choice`` not ``none``) comes here,
and so does one on OpenAI's legacy ``functions``, which local servers do not read: the model
is offered them as tools, and the client gets its call back as ``function_call``.
Both paths send the Anthropic-format request up the route chain (failover before the first
byte, as on every route) and a retry to the backend that answered:

- a streaming client: the backend is asked for a stream, read as Anthropic events
  (:class:`~fulcrum.gateway.answer.backendstream.UpstreamEvents`) and passed through a
  :class:`~fulcrum.gateway.answer.tooluse.StreamReviewer`, whose events are written to the
  client in its API as they come: text and thinking at once, tool calls once reviewed, a retry
  inside the same stream. ``ttft_ms`` is the first byte written to the client;
- a non-streaming client: :func:`~fulcrum.gateway.answer.tooluse.call_with_tool_checks`.

Repairs, retries and the usage of every call are recorded in the ledger row; the call ends when
the answer does, not when the meter's batch runs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from fulcrum.errors import FulcrumError
from fulcrum.gateway.answer.backendstream import UpstreamEvents
from fulcrum.gateway.answer.relay import StreamBroken
from fulcrum.gateway.answer.sender import ChainSender
from fulcrum.gateway.answer.tooluse import (
    StreamReviewer,
    call_with_tool_checks,
    needs_tool_checks,
    prepare_forced_request,
)
from fulcrum.gateway.answer.translate import (
    body_builder,
    dumps,
    upstream_client_error,
)
from fulcrum.gateway.brainroute import observe_first_byte
from fulcrum.gateway.inbound.exchange import Exchange
from fulcrum.gateway.metering import Call
from fulcrum.gateway.upstream.chain import Opened, open_chain
from fulcrum.gateway.upstream.formats import HUB, ApiFormat
from fulcrum.routing.brain.decide import Brain
from fulcrum.wire.legacy import tool_view
from fulcrum.wire.sse import encode_sse, json_event
from fulcrum.wire.usage import usage_to_anthropic

Body = dict[str, Any]


def needs_review(body: Mapping[str, Any], kind: str) -> bool:
    """True for a request with tools (or legacy ``functions``), on a local route, whose
    ``tool_choice`` (``function_call``) allows them."""
    return kind == "local" and needs_tool_checks(tool_view(body))


def message_request(api: ApiFormat, body: Body) -> Body:
    """The client's body as an Anthropic Messages request (the hub's shape)."""
    return api.to_hub_request(body)


async def serve_reviewed(
    ex: Exchange, api: ApiFormat, body: Body, chain: list[Any], call: Call
) -> None:
    """The tool-use-checked path (see the module docstring)."""
    if body.get("stream") is True:
        await _serve_stream(ex, api, body, chain, call)
        return
    send = ChainSender(ex.headers, chain, call, ex.state.brain)
    message_req = {**message_request(api, body), "stream": False}
    message, outcome = await call_with_tool_checks(message_req, send)
    call.usage = send.usage
    call.tool_repairs = outcome.repairs
    call.tool_retries = outcome.retries
    if ex.state.config.server.store_bodies:
        call.response_body = dumps(message).decode()
    model = call.model_requested
    # the usage of every call the review made (a retry's too), as a stream reports it
    message = {**message, "model": model, "usage": usage_to_anthropic(send.usage)}
    out = api.from_hub_response(message, model=model, request=body)
    await ex.respond(200, dumps(out), call.info_headers())
    call.end()


async def _serve_stream(
    ex: Exchange, api: ApiFormat, body: Body, chain: list[Any], call: Call
) -> None:
    """Stream the local backend's answer through a :class:`StreamReviewer` (module docstring)."""
    prepared = prepare_forced_request({**message_request(api, body), "stream": True})
    reviewer = StreamReviewer(prepared, call.model_requested)
    opened = await _open(ex.headers, chain, prepared, call, ex.state.brain)  # failover: here
    client = _Client(ex, api, body, call)
    await client.prepare()
    try:
        retry = await _relay_attempt(opened, reviewer, client, call, retry_allowed=True)
        if retry is not None:
            try:
                opened = await _open(ex.headers, [(opened.backend, opened.target)], retry, call,
                                     ex.state.brain)  # fmt: skip
            except FulcrumError as exc:
                await _fail(client, reviewer, call, f"the retry failed: {exc.message}")
            else:
                await _relay_attempt(opened, reviewer, client, call, retry_allowed=False)
        await client.close()
    except ConnectionResetError:  # the client went away: nothing left to tell it
        call.status = 499
        call.error = "client closed the connection mid-stream"
    finally:
        call.end()
        call.usage = reviewer.usage
        call.tool_repairs = reviewer.outcome.repairs
        call.tool_retries = reviewer.outcome.retries
        if reviewer.message is not None and ex.state.config.server.store_bodies:
            call.response_body = dumps(reviewer.message).decode()


async def _open(
    headers: Mapping[str, str], chain: list[Any], message_req: Body, call: Call,
    brain: Brain | None,
) -> Opened:  # fmt: skip
    """Open a stream of ``message_req`` up ``chain``; a 4xx is raised as the client's error.
    With ``brain``, its time to the first byte is a sample of the local latency SLO."""
    build = body_builder(HUB, message_req, dumps(message_req), stream=True)
    opened = await open_chain(
        chain, build, headers, stream=True, log=call.attempts, session=call.affinity
    )
    call.served_by(opened.backend, opened.target)
    observe_first_byte(brain, opened)
    if not opened.ok:
        if opened.response is not None:
            opened.response.release()
        raise upstream_client_error(opened.status, opened.first)
    return opened


async def _relay_attempt(
    opened: Opened, reviewer: StreamReviewer, client: _Client, call: Call, *, retry_allowed: bool
) -> Body | None:
    """Pass one upstream stream through the reviewer; the retry request when one is due."""
    upstream = UpstreamEvents(opened, reviewer.model)
    try:
        async for data in upstream:
            await client.send(reviewer.feed(data))
            if reviewer.done:  # the backend sent an in-stream error
                call.status, call.error = 502, "the local backend failed mid-stream"
                return None
    except StreamBroken as exc:
        await _fail(client, reviewer, call, str(exc))
        return None
    finally:
        if opened.response is not None:
            opened.response.release()
    if not upstream.complete:
        message = "upstream stream ended before the message was complete"
        await _fail(client, reviewer, call, message)
        return None
    events, retry = reviewer.end(retry_allowed=retry_allowed)
    await client.send(events)
    return retry


async def _fail(client: _Client, reviewer: StreamReviewer, call: Call, message: str) -> None:
    call.status = 502
    call.error = message
    await client.send(reviewer.fail(f"{call.backend}: {message}"))


class _Client:
    """The client's stream: reviewer events written in its API as they come."""

    def __init__(self, ex: Exchange, api: ApiFormat, body: Body, call: Call) -> None:
        self.ex = ex
        self.call = call
        self.pump = api.from_hub_stream(call.model_requested, request=body)
        self.failed = False

    async def prepare(self) -> None:
        await self.ex.start_stream(self.call.info_headers())

    async def send(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        self.failed = self.failed or any(e.get("type") == "error" for e in events)
        data = b"".join(encode_sse(json_event(e)) for e in events)
        if self.pump is not None:
            data = self.pump.transform(data)
        if data:
            if self.call.first_byte_at is None:
                self.call.first_byte_at = time.perf_counter()
            await self.ex.write(data)

    async def close(self) -> None:
        if self.pump is not None and not self.failed:
            await self.ex.write(self.pump.finish())
        await self.ex.finish()
