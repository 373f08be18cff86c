"""The Responses path with kept responses (``[responses] store = true``).

Before routing, a request naming ``previous_response_id`` gets the conversation that response
stands for in front of its own input (:func:`prepare`); after it, its answer is kept, unless
the request said ``store: false``: a whole answer before it is sent, a stream's final response
before the stream's last bytes (:class:`KeepingExchange`), so the client's next request finds
it, whichever gateway on the database it goes to.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from fulcrum.errors import InvalidRequest, Unavailable
from fulcrum.gateway.inbound.exchange import Exchange
from fulcrum.gateway.state import GatewayState
from fulcrum.responsestate.chain import (
    PREVIOUS,
    continued,
    final_response,
    input_items,
    sent,
    turn,
)
from fulcrum.responsestate.config import KeepConfig
from fulcrum.responsestate.store import Items, Kept, ResponseStore
from fulcrum.wire import fastjson

log = logging.getLogger(__name__)
T = TypeVar("T")
NOT_KEPT = (
    f"{PREVIOUS}: not supported; the gateway keeps no responses unless its config sets "
    "[responses] store = true; send the whole conversation in input"
)


class PreviousNotFound(InvalidRequest):
    """A ``previous_response_id`` the gateway does not keep (OpenAI's 400 and code)."""

    def openai_code(self) -> str | None:
        return "previous_response_not_found"


def store_of(state: GatewayState, config: KeepConfig) -> ResponseStore:
    """The kept responses, in the ledger database the gateway opened."""
    if state.db is None:
        raise Unavailable("kept responses need the ledger database, which is not open")
    return ResponseStore(state.db, keep_s=config.keep_s)


async def run(store: ResponseStore, work: Callable[[], T]) -> T:
    """``work()`` on the store: in a worker thread when it is a database server, inline on a
    local SQLite file (quicker than a thread hop)."""
    return await asyncio.to_thread(work) if store.remote else work()


async def prepare(
    config: KeepConfig, ex: Exchange, body: dict[str, Any], raw: bytes
) -> tuple[Exchange, dict[str, Any], bytes]:
    """The exchange to answer on, the body to route and its bytes (see the module doc)."""
    previous = body.get(PREVIOUS)
    if not config.store:
        if previous is not None:
            raise InvalidRequest(NOT_KEPT, param=PREVIOUS)
        if body.get("store") is True:  # asked, not done: the answer says so (the bytes, which
            body = {**body, "store": False}  # a Responses backend gets, keep the client's)
        return ex, body, raw
    keeps = body.get("store") is not False
    if previous is None and not keeps:  # sent whole, not kept (Codex CLI): nothing to do
        return ex, body, raw
    store = store_of(ex.state, config)
    asked = body.get("input")  # what this turn adds: all a kept turn holds of its input
    root = None
    if previous is not None:
        found = await run(store, partial(store.conversation, previous, ex.client_key))
        if found is None:
            raise PreviousNotFound(f"Previous response with id '{previous}' not found.",
                                   param=PREVIOUS)  # fmt: skip
        before, root = found
        body = continued(body, before)
        raw = fastjson.dumps(sent(body)).encode()
    if not keeps:
        return ex, body, raw
    keep = Keeper(store, ex.client_key, input_items(asked), previous, root)
    return KeepingExchange(ex, keep), {**body, "store": True}, raw  # the answer says it


class Keeper:
    """Keeps one answer: the response as its client got it, with what its request added to
    the conversation and the response it continued (``root``: its conversation's first)."""

    def __init__(
        self, store: ResponseStore, client_key: str | None, items: Items, previous: str | None,
        root: str | None,
    ) -> None:  # fmt: skip
        self.store, self.client_key, self.items = store, client_key, items
        self.previous, self.root = previous, root

    async def __call__(self, response: Mapping[str, Any]) -> None:
        response_id = response.get("id")
        if not isinstance(response_id, str) or not response_id:
            return
        kept = Kept(response_id, self.client_key, time.time(), self.previous,
                    self.root or response_id, self.items,
                    {**response, "store": True, PREVIOUS: self.previous},
                    turn(self.items, response))  # fmt: skip
        try:
            await run(self.store, partial(self.store.put, kept))
        except Exception:  # the answer still goes out: only a later continuation misses it
            log.exception("response %s was not kept", response_id)


class KeepingExchange:
    """An :class:`Exchange` that keeps the answer it carries before its last bytes go."""

    def __init__(self, inner: Exchange, keep: Callable[[Mapping[str, Any]], Awaitable[None]]):
        self.inner = inner
        self.state, self.path, self.query_string = inner.state, inner.path, inner.query_string
        self.headers, self.client_key, self.body = inner.headers, inner.client_key, inner.body
        self._keep = keep
        self._sent: list[bytes] = []

    async def respond(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        if status == 200:
            try:
                response = fastjson.loads(body)
            except ValueError:
                response = None
            if isinstance(response, dict):
                await self._keep(response)
        await self.inner.respond(status, body, headers)

    async def start_stream(self, headers: Mapping[str, str]) -> None:
        await self.inner.start_stream(headers)

    async def write(self, data: bytes) -> None:
        self._sent.append(data)
        await self.inner.write(data)

    async def finish(self, last: bytes = b"") -> None:
        response = final_response(b"".join(self._sent) + last)
        self._sent = []
        if response is not None:
            await self._keep(response)
        await self.inner.finish(last)
