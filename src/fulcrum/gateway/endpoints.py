"""The HTTP endpoints of ``fulcrum serve``."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fulcrum.errors import FulcrumError, NotFound, Unavailable
from fulcrum.gateway.brainroute import route_with_brain
from fulcrum.gateway.inbound.exchange import AiohttpExchange
from fulcrum.gateway.inbound.guard import Handler, read_body
from fulcrum.gateway.inbound.middleware import CLIENT_KEY
from fulcrum.gateway.inbound.validate import check_anthropic, parse_object
from fulcrum.gateway.proxy import proxy, route
from fulcrum.gateway.state import STATE, GatewayState
from fulcrum.gateway.upstream.chain import open_chain
from fulcrum.gateway.upstream.formats import ANTHROPIC, FORMATS, ApiFormat
from fulcrum.routing.outcomes.feedback import check_owner, parse_feedback, record_feedback
from fulcrum.routing.router import RouteDecision
from fulcrum.routing.tokens import count_tokens_response


def chat_endpoint(fmt: ApiFormat) -> Handler:
    """The handler of ``fmt``'s chat path: the request path shared by every format."""

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await read_body(request, request.app[STATE].config.server.max_body_bytes)
        exchange = AiohttpExchange(request, body, request.get(CLIENT_KEY))
        await proxy(exchange, fmt)
        assert exchange.response is not None, "the chat handler answers every request"
        return exchange.response

    chat.__name__ = f"chat_{fmt.name}"
    return chat


async def count_tokens(request: web.Request) -> web.StreamResponse:
    """Answered for the routed backend: forwarded when it can count, else estimated.

    An Anthropic endpoint (``/v1/messages/count_tokens``), so the body is Anthropic's. With a
    ``[policy]`` the backend is the one the brain would route the same request to, decided
    dry (no pin, share count or budget hold): a body with a secret, or a session held local,
    is counted on the local side, never sent to the frontier."""
    state = request.app[STATE]
    raw = await read_body(request, state.config.server.max_body_bytes)
    body = parse_object(raw)
    check_anthropic(body, count_tokens=True)
    target = (await _count_route(state, request, body, raw)).primary
    backend = state.backends[target.backend]
    url = backend.count_tokens_url
    source = "estimate"
    answer: dict[str, Any] = count_tokens_response(body)
    if url is not None:
        forwarded = {**body, "model": target.model}
        try:
            opened = await open_chain(
                [(backend, target)],
                lambda _b, _t: json.dumps(forwarded).encode(),
                request.headers,
                stream=False,
                url=lambda _b: url,
            )
            if opened.ok:
                answer = json.loads(opened.first)
                source = "backend"
        except (FulcrumError, ValueError):
            source = "estimate"
    headers = {"x-fulcrum-backend": target.backend, "x-fulcrum-count-source": source}
    return web.json_response(answer, headers=headers)


async def _count_route(
    state: GatewayState, request: web.Request, body: dict[str, Any], raw: bytes
) -> RouteDecision:
    """The route of a count: the brain's dry decision with a ``[policy]``, else ``[routes]``."""
    if state.brain is None:
        return route(state, ANTHROPIC, body, raw, request.headers)[1]
    router = state.routing()
    view = ANTHROPIC.routing_view(body)
    req = router.request(ANTHROPIC.name, ANTHROPIC.max_tokens_keys, view, request.headers, raw)
    key = request.get(CLIENT_KEY)
    return (await route_with_brain(state.brain, router, req, view, key, dry=True)).decision


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _model_entry(model: str, owner: str) -> dict[str, Any]:
    # One list both SDKs read: OpenAI's (object/owned_by) and Anthropic's (type/display_name).
    return {
        "id": model,
        "object": "model",
        "type": "model",
        "created": 0,
        "created_at": "1970-01-01T00:00:00Z",
        "display_name": model,
        "owned_by": owner,
    }


async def models(request: web.Request) -> web.StreamResponse:
    data = list(_model_entries(request.app[STATE]).values())
    return web.json_response(
        {
            "object": "list",
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
    )


async def model(request: web.Request) -> web.StreamResponse:
    """``GET /v1/models/{id}``: one model the gateway answers for (both SDKs' ``retrieve``)."""
    model_id = request.match_info["model_id"]
    entry = _model_entries(request.app[STATE]).get(model_id)
    if entry is None:
        raise NotFound(f"model {model_id!r} is not served here; GET /v1/models lists them")
    return web.json_response(entry)


def _model_entries(state: GatewayState) -> dict[str, dict[str, Any]]:
    """The models the gateway answers for, by id: aliases (a glob's catalog matches) first."""
    config = state.config
    entries: dict[str, dict[str, Any]] = {}
    routes = config.routes
    if routes is not None:  # a glob alias (``claude-*``) lists the catalog's models it matches
        known = sorted(state.catalog.models) if state.catalog is not None else []
        for pattern, target in routes.aliases:
            matches = fnmatch.filter(known, pattern) if _is_glob(pattern) else [pattern]
            for name in matches:
                entries.setdefault(name, _model_entry(name, target.backend))
    for backend in config.backends.values():
        for name in backend.models:
            entries.setdefault(name, _model_entry(name, backend.name))
    return entries


async def feedback(request: web.Request) -> web.StreamResponse:
    """``POST /v1/feedback``: a good/bad label on a request or a session, for training the
    learned router on the team's own outcomes (see :mod:`fulcrum.routing.outcomes`)."""
    state = request.app[STATE]
    raw = await read_body(request, state.config.server.max_body_bytes)
    label = parse_feedback(parse_object(raw), request.get(CLIENT_KEY))
    if state.db is None:
        raise Unavailable("feedback needs the ledger database, which is not open")
    await asyncio.to_thread(check_owner, state.db, label)
    await asyncio.to_thread(record_feedback, state.db, label)
    return web.json_response({"id": label.id, "recorded": True})


async def healthz(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    backends = {b.name: b.breaker.state.value for b in state.backends}
    # pid: which worker answered, when several serve the port (fulcrum.gateway.workers)
    return web.json_response({"status": "ok", "backends": backends, "pid": os.getpid()})


async def metrics(request: web.Request) -> web.StreamResponse:
    registry = request.app[STATE].metrics.registry
    return web.Response(
        body=generate_latest(registry), headers={"content-type": CONTENT_TYPE_LATEST}
    )


def add_routes(app: web.Application) -> None:
    seen: set[str] = set()
    for fmt in FORMATS.values():  # every registered format's chat path; a shared path once
        if fmt.chat_path not in seen:
            seen.add(fmt.chat_path)
            app.router.add_post(fmt.chat_path, chat_endpoint(fmt))
    app.router.add_post("/v1/messages/count_tokens", count_tokens)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/v1/models/{model_id}", model)
    app.router.add_post("/v1/feedback", feedback)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
