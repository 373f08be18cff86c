"""The gateway's HTTP/1.1 front: chat requests on a lean path, the rest through aiohttp.

Every chat request (``POST`` to a registered format's chat path) is parsed by ``httptools``
in an ``asyncio.Protocol`` (:mod:`fulcrum.gateway.inbound.frontproto`), admitted by the same
checks as the aiohttp middlewares (:class:`~fulcrum.gateway.inbound.guard.CrossSite`, the
client key, the JSON content type, the size limit), and answered through an
:class:`~fulcrum.gateway.inbound.exchange.Exchange` written straight to the socket. On the
request path that saves aiohttp's request, middleware and response machinery, which cost
about as much CPU per request as the rest of the gateway's work on a pass-through call
(``bench/gateway_overhead.py``). Any other request hands its connection to the aiohttp
application, which serves every other endpoint (models, metrics, health, the extensions).

On shutdown the listener closes at once, idle connections close, and requests in flight get
``server.shutdown_timeout_s`` to finish before they are cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict

from fulcrum.errors import InvalidRequest
from fulcrum.gateway.inbound.exchange import Exchange
from fulcrum.gateway.inbound.frontconn import FrontConnection
from fulcrum.gateway.inbound.frontproto import FrontProtocol
from fulcrum.gateway.inbound.frontreply import FrontExchange
from fulcrum.gateway.inbound.guard import CrossSite, check_content_type, check_length
from fulcrum.gateway.inbound.middleware import client_key_name
from fulcrum.gateway.serverconfig import ServerConfig
from fulcrum.gateway.state import STATE
from fulcrum.gateway.upstream.formats import FORMATS, ApiFormat

log = logging.getLogger(__name__)

ChatHandler = Callable[[Exchange, ApiFormat], Awaitable[None]]


class Front:
    """The listener's protocol factory, the checks every chat request passes, the shutdown."""

    def __init__(
        self, app: web.Application, fallback: web.Server, server: ServerConfig, chat: ChatHandler
    ) -> None:
        self.state = app[STATE]
        self.fallback = fallback  # aiohttp's protocol factory, for every other request
        self.server = server
        self.chat = chat
        self.routes: dict[str, ApiFormat] = {}
        for fmt in FORMATS.values():  # a path two formats share is served by the first
            self.routes.setdefault(fmt.chat_path, fmt)
        self._cross_site = CrossSite(server)
        self._keys = tuple(k.encode() for k in server.client_keys)
        self.connections: set[FrontConnection] = set()
        self.closing = False
        self._listener: asyncio.Server | None = None

    async def handler(self, exchange: FrontExchange) -> None:
        """Serve one admitted chat request."""
        await self.chat(exchange, exchange.api)

    def admit(self, headers: CIMultiDict[str]) -> str | None:
        """The client key's name (None without keys); a FulcrumError when refused."""
        if len(headers.getall("Host", ())) > 1:  # which one is checked? (aiohttp: a 400 too)
            raise InvalidRequest("Host: one header naming the gateway, got several")
        self._cross_site.check(headers)
        name = None
        if self._keys:
            name = client_key_name(headers, self._keys, self.server.client_key_names)
        check_content_type(headers.get("Content-Type"))
        length = headers.get("Content-Length")
        check_length(
            int(length) if length and length.isdigit() else None, self.server.max_body_bytes
        )
        return name

    async def listen(self, host: str, port: int, *, reuse_port: bool = False) -> asyncio.Server:
        """Listen on ``host:port``; ``reuse_port``: beside the other workers on the same port
        (:mod:`fulcrum.gateway.workers`)."""
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            lambda: FrontProtocol(self),
            host,
            port,
            backlog=2048,
            reuse_address=True,
            reuse_port=reuse_port or None,
        )
        return self._listener

    async def shutdown(self, timeout: float) -> None:
        """Stop listening, close idle connections, give requests in flight ``timeout``."""
        self.closing = True
        if self._listener is not None:
            self._listener.close()
        for conn in list(self.connections):
            conn.close_idle()
        tasks = [c.task for c in self.connections if c.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                log.warning("shutdown: %d requests cancelled after %g s", len(late), timeout)
                await asyncio.wait(late, timeout=5)
        for conn in list(self.connections):
            conn.close_idle()
