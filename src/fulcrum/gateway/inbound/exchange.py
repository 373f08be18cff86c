"""One chat request and its answer, whichever HTTP server carries it.

The chat paths are served by the gateway's own HTTP/1.1 front
(:mod:`fulcrum.gateway.inbound.front`); an :class:`AiohttpExchange` serves the same handler
inside the aiohttp application (``build_app`` without the front, as in an aiohttp test
client). The handler sees only :class:`Exchange`: the request's path, headers, client key
and body (already read and size-checked), and four ways to answer: a JSON body, or an event
stream started, written and finished. Writing to a client that went away raises
``ConnectionResetError``, as aiohttp does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from aiohttp import web

from fulcrum.gateway.state import STATE, GatewayState

JSON = "application/json"
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}


class Exchange(Protocol):
    """A chat request, read and admitted, and the one answer it gets."""

    state: GatewayState
    path: str
    query_string: str
    headers: Mapping[str, str]  # case-insensitive names
    client_key: str | None  # the name of the client key it authenticated with
    body: bytes

    async def respond(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        """Answer with a JSON ``body``."""

    async def start_stream(self, headers: Mapping[str, str]) -> None:
        """Start a 200 event stream (``text/event-stream``) with ``headers`` added."""

    async def write(self, data: bytes) -> None:
        """Send ``data`` on the started stream."""

    async def finish(self, last: bytes = b"") -> None:
        """Send ``last`` (when there is one) and end the started stream, in one write where
        the connection allows."""


class AiohttpExchange:
    """An :class:`Exchange` over aiohttp's request and response."""

    def __init__(self, request: web.Request, body: bytes, client_key: str | None) -> None:
        self.request = request
        self.state = request.app[STATE]
        self.path = request.path
        self.query_string = request.query_string
        self.headers: Mapping[str, str] = request.headers
        self.client_key = client_key
        self.body = body
        self.response: web.StreamResponse | None = None

    async def respond(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        resp = web.Response(status=status, body=body, content_type=JSON, headers=headers)
        self.response = resp
        await resp.prepare(self.request)
        await resp.write_eof()

    async def start_stream(self, headers: Mapping[str, str]) -> None:
        resp = web.StreamResponse(status=200, headers={**SSE_HEADERS, **headers})
        self.response = resp
        await resp.prepare(self.request)

    async def write(self, data: bytes) -> None:
        assert self.response is not None, "start_stream() first"
        await self.response.write(data)

    async def finish(self, last: bytes = b"") -> None:
        assert self.response is not None, "start_stream() first"
        await self.response.write_eof(last)
