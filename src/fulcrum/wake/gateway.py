"""The wake-filter in ``fulcrum serve``: the ``[wake]`` table and ``POST /v1/wake[/NAME]``.

``POST /v1/wake`` (the ``[wake]`` table's filter) and ``POST /v1/wake/{name}`` (a
``[wake.filters.NAME]``) answer ``{"wake", "label", "confidence", "reason", "backend",
"latency_ms"}`` and, beside them, ``filter``, ``model``, ``fallback`` (true: the filter's
fallback rule decided), ``tries`` (answers the backend gave: 1, 2 after a retry, 0 if none),
``usage`` and ``id`` (the ledger row's id). Each call is one ledger row, endpoint
``/v1/wake/NAME``, priced like any call: a local backend's machine time and the reference
frontier model's price for the same tokens (``counterfactual_usd``).

A bad body is a 400 naming the field; an unknown filter a 404 listing the known ones; a
gateway with no filter (no local backend, no ``[wake]`` table) a 503 saying what to set.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from fulcrum.errors import NotFound, Unavailable
from fulcrum.gateway.extensions import ExtensionContext
from fulcrum.gateway.inbound.guard import read_body
from fulcrum.gateway.inbound.middleware import CLIENT_KEY
from fulcrum.gateway.inbound.validate import parse_object
from fulcrum.gateway.metering import Call
from fulcrum.gateway.state import STATE, GatewayState
from fulcrum.tables import Table
from fulcrum.wake.classify import Outcome, classify
from fulcrum.wake.config import DEFAULT, WakeConfig, WakeFilter, parse_wake
from fulcrum.wake.request import parse_request

KEY = "wake"
PATH = "/v1/wake"


def _filter(state: GatewayState, name: str) -> WakeFilter:
    config: WakeConfig | None = state.config.extensions.get(KEY)
    if config is None or config.missing is not None:
        why = config.missing if config is not None else "the config has no [wake] table parsed"
        raise Unavailable(f"the wake-filter is not configured: {why}")
    flt = config.filters.get(name)
    if flt is None:
        known = ", ".join(config.filters)
        raise NotFound(f"no wake filter named {name!r}; configured: {known}", param="filter")
    return flt


async def wake(request: web.Request) -> web.StreamResponse:
    """One event in, one decision out (see the module's docstring)."""
    state = request.app[STATE]
    flt = _filter(state, request.match_info.get("name", DEFAULT))
    raw = await read_body(request, state.config.server.max_body_bytes)
    req = parse_request(parse_object(raw))
    call = Call(endpoint=f"{PATH}/{flt.name}")
    call.client, call.client_key = request.headers.get("user-agent"), request.get(CLIENT_KEY)
    if state.config.server.store_bodies:
        call.request_body = raw.decode("utf-8", errors="replace")
    state.active += 1
    try:
        outcome = await classify(state, flt, req, call)
        call.end()
        body = answer_body(outcome, flt, call, req.labels or flt.labels)
        if state.config.server.store_bodies:
            call.response_body = json.dumps(body)
    except BaseException as exc:
        call.status = 499
        call.error = f"wake call ended without a decision ({type(exc).__name__})"
        raise
    finally:
        state.active -= 1
        if call.busy_token is not None:
            call.busy_s = state.local_clock.leave(call.busy_token)
        if call.model:
            state.meter.add(call)
    return web.json_response(body, headers=call.info_headers())


def answer_body(
    outcome: Outcome, flt: WakeFilter, call: Call, labels: tuple[str, ...]
) -> dict[str, Any]:
    """The decision, with the labels it chose from (the request's, else the filter's)."""
    verdict = outcome.verdict
    end = call.ended if call.ended is not None else time.perf_counter()
    usage = call.usage
    return {
        "wake": verdict.wake,
        "label": verdict.label,
        "labels": list(labels),
        "confidence": verdict.confidence,
        "reason": verdict.reason,
        "backend": flt.backend,
        "latency_ms": round((end - call.started) * 1000, 3),
        "filter": flt.name,
        "model": flt.model,
        "fallback": outcome.fallback,
        "tries": outcome.tries,
        "usage": {
            "input_tokens": usage.input_tokens if usage else 0,
            "output_tokens": usage.output_tokens if usage else 0,
        },
        "id": call.id,
    }


class WakeExtension:
    key = KEY

    def parse(self, table: Table, context: ExtensionContext) -> WakeConfig:
        return parse_wake(table, context)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(PATH, wake)
        app.router.add_post(PATH + "/{name}", wake)


EXTENSION = WakeExtension()
