"""The request path shared by ``/v1/messages`` and ``/v1/chat/completions``.

read → check → route → open the chain (failover before the first byte) → answer the
client (JSON, or a stream pumped chunk by chunk) → only then meter the call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from functools import partial
from typing import Any

from fulcrum.errors import FulcrumError, InvalidRequest, NotFound
from fulcrum.gateway import localfailover
from fulcrum.gateway.answer.cascade import cascades, serve_cascade
from fulcrum.gateway.answer.localtools import needs_review, serve_reviewed
from fulcrum.gateway.answer.relay import relay_json, relay_stream
from fulcrum.gateway.answer.translate import body_builder
from fulcrum.gateway.brainroute import (
    Routed,
    note_decision,
    observe_first_byte,
    observe_relayed,
    off_loop,
    route_with_brain,
)
from fulcrum.gateway.condensing import condense
from fulcrum.gateway.extensions import InboundHook
from fulcrum.gateway.inbound.exchange import Exchange
from fulcrum.gateway.inbound.validate import parse_object
from fulcrum.gateway.metering import Call
from fulcrum.gateway.state import GatewayState
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.chain import Opened, open_chain
from fulcrum.gateway.upstream.formats import ApiFormat
from fulcrum.routing.request import RouteRequest
from fulcrum.routing.router import RouteDecision, RouteTarget
from fulcrum.routing.sessions.conversation import conversation_session


def route(
    state: GatewayState, api: ApiFormat, body: dict[str, Any], raw: bytes,
    headers: Mapping[str, str],
) -> tuple[RouteRequest, RouteDecision]:  # fmt: skip
    """The routing decision; an unmatched model is refused unless a default route is set.
    Routing reads the body in its format's routing view (a Responses body as Chat
    Completions)."""
    router = state.routing()
    req = router.request(api.name, api.max_tokens_keys, api.routing_view(body), headers, raw)
    decision = router.choose(req)
    if decision.reason == "default" and router.config.default is None:
        raise NotFound(f"model {req.model!r} is not configured; {_known(state)}", param="model")
    return req, decision


async def route_call(
    state: GatewayState, api: ApiFormat, body: dict[str, Any], raw: bytes, ex: Exchange
) -> tuple[RouteRequest, RouteDecision, Routed | None]:
    """The brain's route when a ``[policy]`` is configured, else the static one."""
    if state.brain is None:
        return (*route(state, api, body, raw, ex.headers), None)
    router = state.routing()
    view = api.routing_view(body)
    req = router.request(api.name, api.max_tokens_keys, view, ex.headers, raw)
    routed = await route_with_brain(state.brain, router, req, view, ex.client_key)
    return req, routed.decision, routed


def _known(state: GatewayState) -> str:
    routing = state.routing().config
    names = [p for p, _ in routing.aliases] + [m for b in routing.backends for m in b.models]
    shown = ", ".join(dict.fromkeys(names)) or "none"
    return f"accepted: {shown} (or set [routes] default to route every model)"


async def proxy(ex: Exchange, api: ApiFormat) -> None:
    """Serve one chat request in the client's ``api`` format."""
    state = ex.state
    call = Call(endpoint=ex.path)
    state.active += 1
    try:
        await _serve(ex, api, state, call)
    except FulcrumError as exc:
        call.status = exc.status
        call.error = exc.message
        raise
    except BaseException as exc:
        call.status = 499 if call.status < 400 else call.status
        call.error = call.error or _unfinished(exc)
        raise
    finally:
        state.active -= 1
        if call.busy_token is not None:
            call.busy_s = state.local_clock.leave(call.busy_token)
        if call.model:  # the body was valid: every such request gets its row
            state.meter.add(call)
        else:  # refused at the door: counted, no row (there is no call to record)
            state.meter.refused(call)


def _unfinished(exc: BaseException) -> str:
    """Why a call ended without an answer, in words for the ledger (the log has the rest)."""
    if isinstance(exc, ConnectionError):
        return "client closed the connection"
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled before the answer (client gone or gateway stopping)"
    return "internal gateway error (see the gateway log)"


async def _serve(ex: Exchange, api: ApiFormat, state: GatewayState, call: Call) -> None:
    raw, body = _read(ex, api, call, store=state.config.server.store_bodies)
    if before := state.inbound_hooks.get(api):  # e.g. a kept Responses conversation
        ex, body, raw = await _inbound(before, ex, body, raw, call)
    req, decision, routed = await route_call(state, api, body, raw, ex)
    call.session = decision.session
    call.route_reason = decision.reason
    if routed is not None and state.brain is not None:
        # a moved session's history, condensed
        body, raw = await condense(state.brain, api, routed, body, raw)
        note_decision(call, state, routed)
    chain = [(state.backends[t.backend], t) for t in decision.chain]
    if not chain:
        raise InvalidRequest(f"no backend can serve model {call.model!r}", param="model")
    if call.session is None and any(backend.pool is not None for backend, _ in chain):
        call.conversation = conversation_session(api.routing_view(body), client_key=ex.client_key,
                                                 user_agent=call.client or "")  # fmt: skip
    call.served_by(*chain[0])  # what a failed call is recorded against
    if state.request_hooks:  # e.g. context snippets on local routes
        body, raw = await _hooked(state, api, decision.primary, body, raw, call=call)
    if decision.primary.kind == "local":
        call.busy_token = state.local_clock.enter()
    steps = localfailover.split(routed, chain)
    if steps[1]:  # a session on a local route: its local servers first, then a move
        assert routed is not None
        try:
            await _dispatch(ex, api, call, body=body, raw=raw, chain=steps[0], routed=routed,
                            req=req)  # fmt: skip
            return
        except FulcrumError:
            moved = await localfailover.move(state, api, routed, call, steps=steps, body=body,
                                             raw=raw)  # fmt: skip
            if moved is None:
                raise
        (body, raw), chain = moved, steps[1]
    await _dispatch(ex, api, call, body=body, raw=raw, chain=chain, routed=routed, req=req)


async def _dispatch(
    ex: Exchange, api: ApiFormat, call: Call, *, body: dict[str, Any], raw: bytes,
    chain: list[tuple[Backend, RouteTarget]], routed: Routed | None, req: RouteRequest,
) -> None:  # fmt: skip
    """Serve the request up ``chain``: cascaded, tool-checked on a local route, or relayed."""
    state, primary = ex.state, chain[0][1]
    if cascades(routed, primary.kind):
        assert routed is not None
        await serve_cascade(ex, api, body, call, raw=raw, chain=chain, routed=routed, req=req)
        return
    if needs_review(body, primary.kind):
        await serve_reviewed(ex, api, body, chain, call)
        return

    stream, store = call.stream, state.config.server.store_bodies
    build = body_builder(api, body, raw, stream=stream)
    query = ex.query_string

    def with_query(backend: Backend) -> str:  # Claude Code's ?beta=true goes on as is
        return f"{backend.chat_url}?{query}" if backend.format is api else backend.chat_url

    url = with_query if query else None
    state.meter.flush_soon()  # the rows of calls ended before: built while the upstream works
    opened = await open_chain(
        chain,
        build,
        ex.headers,
        stream=stream,
        url=url,
        log=call.attempts,
        session=call.affinity,
    )
    _answered(state, call, opened, stream)
    if opened.target is not primary:  # failover: the session stays where answered
        state.routing().pin(req, opened.target)
        if routed is not None and (brain := state.brain) is not None:
            await off_loop(
                brain,
                partial(
                    brain.pin,
                    routed.ask,
                    opened.target.backend,
                    opened.target.model,
                    routed.verdict,
                ),
            )
    if stream and opened.ok:
        await relay_stream(ex, api, body, opened, call, store=store)
    else:
        await relay_json(ex, api, body, opened, call, store=store)


def _read(ex: Exchange, api: ApiFormat, call: Call, *, store: bool) -> tuple[bytes, dict[str, Any]]:
    """The checked body, and what the call records of it."""
    raw = ex.body
    body = parse_object(raw)
    api.check(body)
    call.stream = body.get("stream") is True
    call.model = call.model_requested = body["model"]
    call.client, call.client_key = ex.headers.get("user-agent"), ex.client_key
    if store:
        call.request_body = raw.decode("utf-8", errors="replace")
    return raw, body


async def _inbound(
    steps: tuple[InboundHook, ...], ex: Exchange, body: dict[str, Any], raw: bytes, call: Call
) -> tuple[Exchange, dict[str, Any], bytes]:
    """The client format's steps before routing; a kept body records the one they made (what
    is routed and sent: ``route replay`` reads it)."""
    sent = raw
    for step in steps:
        ex, body, raw = await step(ex, body, raw)
    if call.request_body is not None and raw is not sent:
        call.request_body = raw.decode("utf-8", errors="replace")
    return ex, body, raw


def _answered(state: GatewayState, call: Call, opened: Opened, stream: bool) -> None:
    """The chain answered: who, when, and the local latency SLO's sample."""
    call.served_by(opened.backend, opened.target)
    call.first_byte_at = opened.first_byte_at
    if stream:
        observe_first_byte(state.brain, opened)
    elif state.brain is not None and opened.target.kind == "local":  # timed after the call
        call.after_row = partial(observe_relayed, state.brain, opened)


async def _hooked(
    state: GatewayState, api: ApiFormat, target: RouteTarget, body: dict[str, Any], raw: bytes,
    *, call: Call,
) -> tuple[dict[str, Any], bytes]:  # fmt: skip
    """The extensions' request hooks, in order; the body is re-serialized only if one added."""
    added = 0
    for hook in state.request_hooks:
        body, tokens = await hook(api.name, target, body)
        added += tokens
    if not added:
        return body, raw
    call.context_tokens += added
    return body, json.dumps(body, separators=(",", ":")).encode()
