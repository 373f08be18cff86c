"""One batch item through the gateway's own upstream machinery, and its ledger row.

The item is routed like an interactive request of its format (the router, without touching
session stickiness), and only the route's ``local`` targets are tried, through
:func:`~fulcrum.gateway.upstream.chain.open_chain` (retries, failover, the breaker) with the
body shaped by the same builder the proxy uses. The call takes its share of the local machine
on the gateway's processor-sharing clock, so it is priced like any local call. An item with
tools goes through the same tool-use review as an interactive call on a local route (calls
printed as text repaired, arguments validated, one retry), counted in its row.

A model no local backend serves is forwarded to its provider's own batch API when its api
backend is in ``[batch] forward`` (:mod:`fulcrum.batch.forwarding`; such items never reach
this module); otherwise the item ends ``errored``, saying so. A backend that fails (5xx,
429, timeout, down) puts the item back in the queue until its ``max_attempts`` are spent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fulcrum.batch.apis import BatchApi
from fulcrum.batch.discounts import batch_counterfactual
from fulcrum.batch.queue import Claimed
from fulcrum.errors import FulcrumError, InvalidRequest, NotFound
from fulcrum.gateway.answer.localtools import needs_review
from fulcrum.gateway.answer.sender import ChainSender
from fulcrum.gateway.answer.tooluse import call_with_tool_checks
from fulcrum.gateway.answer.translate import (
    answer_error,
    answer_measures,
    body_builder,
    client_body,
    dumps,
    upstream_client_error,
)
from fulcrum.gateway.metering import Call
from fulcrum.gateway.state import GatewayState
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.chain import Opened, open_chain
from fulcrum.kinds import BackendKind
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import LedgerRow
from fulcrum.routing.router import RouteTarget
from fulcrum.wire.usage import TokenUsage

LOCAL: BackendKind = "local"
CLIENT = "fulcrum-batch"
Chain = list[tuple[Backend, RouteTarget]]
Routed = tuple[Chain, str]  # the local targets, the route's reason


@dataclass(slots=True)
class Ran:
    """What running an item gave: its result, or ``retry`` (back to the queue)."""

    outcome: str  # "succeeded" | "errored"
    status_code: int
    result: dict[str, Any] | None
    call: Call | None  # None: nothing was sent (no row)
    retry: bool = False


@dataclass(slots=True)
class OnMachine:
    """How many batch calls are on the local machine now (the worker's own share of the
    gateway's in-flight count)."""

    n: int = 0


def _call(api: BatchApi, item: Claimed) -> Call:
    call = Call(endpoint=api.endpoint, id=item.id)  # the row's id is the item's: one row ever
    call.session = item.batch_id
    call.client = CLIENT
    call.model = call.model_requested = str(item.body.get("model", ""))
    return call


def _refused(api: BatchApi, exc: FulcrumError) -> Ran:
    return Ran("errored", exc.status, api.error_result(exc), None)


async def run_item(
    state: GatewayState, api: BatchApi, item: Claimed, max_attempts: int, on_machine: OnMachine
) -> Ran:
    fmt = api.fmt
    raw = dumps(item.body)
    routed = local_route(state, api, item.body, raw)
    if isinstance(routed, Ran):
        return routed
    chain, reason = routed
    call = _call(api, item)
    call.route_reason = reason
    call.served_by(*chain[0])
    token = state.local_clock.enter()
    on_machine.n += 1
    try:
        if needs_review(item.body, LOCAL):  # tools on a local route: checked, repaired, retried
            return await _reviewed(api, item.body, chain, call)
        build = body_builder(fmt, item.body, raw, stream=False)
        opened = await open_chain(chain, build, {}, stream=False, log=call.attempts)
    except FulcrumError as exc:
        call.status, call.error = exc.status, exc.message
        retry = (exc.status >= 500 or exc.status == 429) and item.attempts < max_attempts
        return Ran("errored", exc.status, api.error_result(exc), call, retry=retry)
    finally:
        call.busy_s = state.local_clock.leave(token)
        on_machine.n -= 1
    return _answered(api, item.body, call, opened)


def local_route(
    state: GatewayState, api: BatchApi, body: dict[str, Any], raw: bytes
) -> Ran | Routed:
    """The route's local targets, or the errored result when there are none."""
    fmt, router = api.fmt, state.routing()
    try:
        req = router.request(fmt.name, fmt.max_tokens_keys, fmt.routing_view(body), {}, raw)
        decision = router.choose(req, record=False)
    except FulcrumError as exc:
        return _refused(api, exc)
    if decision.reason == "default" and router.config.default is None:
        return _refused(api, NotFound(f"model {req.model!r} is not configured", param="model"))
    chain = [(state.backends[t.backend], t) for t in decision.chain if t.kind == LOCAL]
    if not chain:
        message = (
            f"model {req.model!r} is not served by a local backend, and its backend is not in "
            "[batch] forward (a provider's own batch API)"
        )
        return _refused(api, InvalidRequest(message, param="model"))
    return chain, decision.reason


async def _reviewed(api: BatchApi, body: dict[str, Any], chain: Chain, call: Call) -> Ran:
    """The tool-use review the proxy runs on local routes, for a non-streaming call."""
    send = ChainSender({}, chain, call)  # a batch item has no client headers to pass on
    message, outcome = await call_with_tool_checks(
        {**api.fmt.to_hub_request(body), "stream": False}, send
    )
    call.usage, call.tool_repairs, call.tool_retries = send.usage, outcome.repairs, outcome.retries
    model = call.model_requested
    answer = api.fmt.from_hub_response({**message, "model": model}, model=model, request=body)
    return Ran("succeeded", 200, answer, call)


def _answered(api: BatchApi, body: dict[str, Any], call: Call, opened: Opened) -> Ran:
    call.served_by(opened.backend, opened.target)
    call.status, call.first_byte_at = opened.status, opened.first_byte_at
    upstream = opened.backend.format
    if not opened.ok:
        error = upstream_client_error(opened.status, opened.first)
        call.error = error.message
        if upstream is api.fmt:
            try:
                return Ran("errored", opened.status, json.loads(opened.first), call)
            except ValueError:
                pass
        return Ran("errored", opened.status, api.error_result(error), call)
    try:
        model = call.model_requested
        answer = json.loads(client_body(api.fmt, upstream, opened.first, model, body))
    except (ValueError, KeyError, TypeError) as exc:
        error = answer_error(opened.target.backend, exc)
        call.status, call.error = error.status, error.message
        return Ran("errored", error.status, api.error_result(error), call)
    call.usage, call.generation_ms = answer_measures(upstream, opened.first)
    return Ran("succeeded", opened.status, answer, call)


def ledger_row(call: Call, pricer: Pricer | None) -> LedgerRow:
    """The item's row, priced: its cost as any call's, the counterfactual at the batch price."""
    row = call.row()
    if pricer is None:
        return row
    usage = TokenUsage(
        row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens
    )
    counterfactual = batch_counterfactual(pricer, usage, row.ts)
    priced = pricer.price(row.with_costs(None, counterfactual, None))
    if counterfactual is None:  # no batch price known: claim no saving (never the full price)
        return priced.with_costs(priced.cost_usd, None, None)
    return priced
