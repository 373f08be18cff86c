"""Cascade mode: local first, verified; the frontier only when the check fails.

A request whose verdict cascades (a ``cascade = true`` rule, see docs/policy.md) is served so:

1. the local step (:mod:`~fulcrum.gateway.answer.cascadelocal`): the whole local answer,
   asked non-streaming (tool calls repaired and retried once, as on every local route);
2. the verifiers (:mod:`~fulcrum.gateway.answer.verifiers`) the rule names, else every one that
   applies to the request: none found a problem, the client gets the local answer
   (reason ``…+cascade``);
3. otherwise the frontier step: its estimated cost is held in the budget exactly as a frontier
   decision holds it; refused, the client gets the local answer as it is
   (``…+cascade+budget→local``). Held, the client's original request goes up the frontier
   target's chain (its api backends, failover before the first byte as on every route) and its
   answer is relayed in the client's API, a stream as a stream (``…+cascade→frontier``); the
   reservation is settled from that call's real cost. A frontier that cannot answer leaves
   the local answer (``…+cascade+frontier-failed``), the reservation released.

The session's pin does not move: the frontier step is for this request only.

A streaming client gets no early tokens on a cascade route: the local answer must be whole
before it can be checked. It is then sent as a well-formed stream of events
(:func:`~fulcrum.gateway.answer.tooluse.message_events`), or the frontier's own stream is relayed.
What the ledger row records is described in :mod:`~fulcrum.gateway.answer.cascadelog`.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from fulcrum.errors import FulcrumError, UpstreamError
from fulcrum.gateway.answer import cascadelog as log
from fulcrum.gateway.answer.cascadelocal import LocalAnswer, ask_local
from fulcrum.gateway.answer.relay import relay_json, relay_stream
from fulcrum.gateway.answer.tooluse import message_events
from fulcrum.gateway.answer.translate import body_builder, dumps
from fulcrum.gateway.answer.verifiers import verify
from fulcrum.gateway.brainroute import Routed, off_loop
from fulcrum.gateway.inbound.exchange import Exchange
from fulcrum.gateway.metering import Call
from fulcrum.gateway.state import GatewayState
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.chain import Opened, open_chain
from fulcrum.gateway.upstream.formats import ApiFormat
from fulcrum.routing.brain.cascade import hold
from fulcrum.routing.budget import Refusal, Reservation
from fulcrum.routing.request import RouteRequest
from fulcrum.wire.sse import encode_sse

Body = dict[str, Any]


def cascades(routed: Routed | None, kind: str) -> bool:
    """True when the brain's verdict cascades and the route's first target is local."""
    return routed is not None and routed.verdict.cascade and kind == "local"


async def serve_cascade(
    ex: Exchange, api: ApiFormat, body: Body, call: Call, *,
    raw: bytes, chain: list[Any], routed: Routed, req: RouteRequest,
) -> None:  # fmt: skip
    """Serve one cascading request (module docstring)."""
    state = ex.state
    local = await ask_local(ex.headers, api, body, chain, call, brain=ex.state.brain)
    step = _local_record(state, call, local)
    log.attach(call, step, state.meter.pricer)
    base = call.route_reason or ""
    call.tool_repairs, call.tool_retries = local.outcome.repairs, local.outcome.retries
    if local.message is not None:
        step.checks, step.findings = verify(routed.verdict.verify, body, local.hub_request,
                                            local.message)  # fmt: skip
        if not step.findings:
            call.route_reason = base + log.CASCADE
            await answer_local(ex, api, body, call, local)
            return
    log.mark_unverified(call, step)
    held = await _reserve(state, routed)
    if isinstance(held, Refusal):
        step.frontier = f"budget-refused ({held.reason})"
        call.route_reason = base + log.BUDGET_REFUSED
        await answer_local(ex, api, body, call, local)
        return
    opened = await _open_frontier(ex, api, body, call, raw=raw, req=req, step=step)
    if opened is None:
        if held is not None:
            await _settle(state, held)
        call.route_reason = base + log.FRONTIER_FAILED
        await answer_local(ex, api, body, call, local)
        return
    step.frontier = "answered"
    call.route_reason = base + log.TO_FRONTIER
    call.served_by(opened.backend, opened.target)
    call.usage = None
    if held is not None and state.brain is not None:
        call.settle = partial(state.brain.settle, held)
    store = state.config.server.store_bodies
    if body.get("stream") is True:
        await relay_stream(ex, api, body, opened, call, store=store)
    else:
        await relay_json(ex, api, body, opened, call, store=store)


def _local_record(state: GatewayState, call: Call, local: LocalAnswer) -> log.CascadeStep:
    """Stop the local machine's clock for this request (the local step is over)."""
    if call.busy_token is not None:
        call.busy_s = state.local_clock.leave(call.busy_token)
        call.busy_token = None
    return log.CascadeStep(
        local_target=call.route,
        local_usage=local.usage,
        local_busy_ms=None if call.busy_s is None else call.busy_s * 1000,
        local_error=None if local.error is None else local.error.message,
    )


async def _reserve(state: GatewayState, routed: Routed) -> Reservation | Refusal | None:
    """The frontier step's budget hold: a Reservation, a Refusal, or None (no budget)."""
    brain = state.brain
    if brain is None or brain.budget is None or brain.estimate is None:
        return None
    ask = routed.ask
    take = partial(hold, brain.budget, brain.estimate, brain.policy.frontier, ask.features,
                   ask.max_tokens)  # fmt: skip
    return await off_loop(brain, take)


async def _settle(state: GatewayState, held: Reservation) -> None:
    """Release a hold the frontier step did not use (no call answered: nothing spent)."""
    brain = state.brain
    if brain is None:
        return
    await off_loop(brain, partial(brain.settle, held, None))


async def _open_frontier(
    ex: Exchange, api: ApiFormat, body: Body, call: Call, *,
    raw: bytes, req: RouteRequest, step: log.CascadeStep,
) -> Opened | None:  # fmt: skip
    """The client's request up the frontier target's chain; None when none answered."""
    state = ex.state
    assert state.brain is not None
    frontier = state.brain.policy.frontier
    decision = state.routing().choose_target(req, frontier, "cascade")
    chain = [(state.backends[t.backend], t) for t in decision.chain if t.kind != "local"]
    stream = body.get("stream") is True
    query = ex.query_string

    def with_query(backend: Backend) -> str:  # Claude Code's ?beta=true goes on as is
        return f"{backend.chat_url}?{query}" if backend.format is api else backend.chat_url

    try:
        if not chain:
            raise UpstreamError(f"no api backend serves the frontier target {frontier.backend}")
        opened = await open_chain(
            chain, body_builder(api, body, raw, stream=stream), ex.headers, stream=stream,
            url=with_query if query else None, log=call.attempts, session=call.affinity,
        )  # fmt: skip
    except FulcrumError as exc:
        step.frontier = f"failed: {exc.message}"
        return None
    if not opened.ok:
        step.frontier = f"failed: HTTP {opened.status}"
        if opened.response is not None:
            opened.response.release()
        return None
    return opened


async def answer_local(
    ex: Exchange, api: ApiFormat, body: Body, call: Call, local: LocalAnswer
) -> None:
    """The local answer in the client's API: JSON, or a stream of the whole message."""
    if local.message is None:
        assert local.error is not None
        raise local.error
    call.usage = local.usage
    model = call.model_requested
    message = {**local.message, "model": model}
    if ex.state.config.server.store_bodies:
        call.response_body = dumps(message).decode()
    if body.get("stream") is True:
        await _stream(ex, api, body, call, message)
    else:
        out = api.from_hub_response(message, model=model, request=body)
        await ex.respond(200, dumps(out), call.info_headers())
    call.end()


async def _stream(ex: Exchange, api: ApiFormat, body: Body, call: Call, message: Body) -> None:
    pump = api.from_hub_stream(call.model_requested, request=body)
    data = b"".join(encode_sse(e) for e in message_events(message))
    if pump is not None:
        data = pump.transform(data) + pump.finish()
    await ex.start_stream(call.info_headers())
    call.first_byte_at = time.perf_counter()
    await ex.write(data)
    await ex.finish()
