"""A kept response's endpoints, as OpenAI's: ``GET`` and ``DELETE /v1/responses/{id}``,
``GET /v1/responses/{id}/input_items`` (the conversation it answered, newest first by
default) and ``POST /v1/responses/{id}/cancel`` (refused: the gateway answers in the
foreground). Only the client key that made a response sees it. With ``store`` off, each
answers 404 and says why."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from fulcrum.errors import InvalidRequest, NotFound
from fulcrum.gateway.inbound.middleware import CLIENT_KEY
from fulcrum.gateway.state import STATE
from fulcrum.responsestate.chain import answered
from fulcrum.responsestate.config import KEY, KeepConfig
from fulcrum.responsestate.keeping import run, store_of
from fulcrum.responsestate.store import ResponseStore

T = TypeVar("T")

PATH = "/v1/responses/{id}"
RETRIEVE_QUERY = ("include", "include[]", "include_obfuscation", "stream", "starting_after")
ITEMS_QUERY = ("after", "limit", "order", "include", "include[]")
ORDERS = ("asc", "desc")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, retrieve)
    app.router.add_delete(PATH, delete)
    app.router.add_get(f"{PATH}/input_items", list_input_items)
    app.router.add_post(f"{PATH}/cancel", cancel)


def _config(request: web.Request) -> KeepConfig:
    config = request.app[STATE].config.extensions.get(KEY)
    return config if isinstance(config, KeepConfig) else KeepConfig()


def _store(request: web.Request) -> ResponseStore:
    """The kept responses; with ``store`` off, the 404 that says so."""
    config = _config(request)
    if not config.store:
        raise NotFound(f"response {request.match_info['id']!r} not found: the gateway keeps "
                       "no responses ([responses] store is false); send the whole "
                       "conversation in input", param="response_id")  # fmt: skip
    return store_of(request.app[STATE], config)


async def _found(
    request: web.Request, store: ResponseStore, lookup: Callable[[str, str | None], T | None]
) -> T:
    """``lookup`` of the response the path names, for the request's client key; a 404 when it
    finds nothing (it is not kept for this key)."""
    response_id = request.match_info["id"]
    found = await run(store, partial(lookup, response_id, request.get(CLIENT_KEY)))
    if not found:
        raise NotFound(f"response {response_id!r} not found", param="response_id")
    return found


async def retrieve(request: web.Request) -> web.StreamResponse:
    InvalidRequest.check_fields(request.query, RETRIEVE_QUERY)
    if request.query.get("stream", "false").lower() != "false":
        raise InvalidRequest("stream: a kept response is answered whole", param="stream")
    store = _store(request)
    kept = await _found(request, store, store.get)
    return web.json_response(kept.response)


async def delete(request: web.Request) -> web.StreamResponse:
    store = _store(request)
    await _found(request, store, store.delete)
    response_id = request.match_info["id"]
    return web.json_response({"id": response_id, "object": "response.deleted", "deleted": True})


async def cancel(request: web.Request) -> web.StreamResponse:
    store = _store(request)
    await _found(request, store, store.get)
    raise InvalidRequest(
        "only a response made in background mode can be cancelled, and the gateway answers "
        "in the foreground", param="response_id",
    )  # fmt: skip


async def list_input_items(request: web.Request) -> web.StreamResponse:
    query = request.query
    InvalidRequest.check_fields(query, ITEMS_QUERY)
    limit, order = _limit(query.get("limit", "20")), query.get("order", "desc")
    if order not in ORDERS:
        raise InvalidRequest(f"order: expected one of {', '.join(ORDERS)}, got {order!r}",
                             param="order")  # fmt: skip
    store = _store(request)
    chain = await _found(request, store, store.chain)
    items = with_ids(answered(chain), chain[-1].id)
    if order == "desc":
        items.reverse()
    after = query.get("after")
    if after is not None:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    return web.json_response({
        "object": "list", "data": page, "has_more": len(items) > limit,
        "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None,
    })  # fmt: skip


def _limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise InvalidRequest(f"limit: expected an integer from 1 to 100, got {text!r}",
                             param="limit")  # fmt: skip
    return limit


def with_ids(items: list[dict[str, Any]], response_id: str) -> list[dict[str, Any]]:
    """The items, each with an id (its own, or one made from the response's and its place:
    the same on every listing)."""
    return [item if isinstance(item.get("id"), str) else {"id": f"{response_id}_item_{n}", **item}
            for n, item in enumerate(items)]  # fmt: skip
