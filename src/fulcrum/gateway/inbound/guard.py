"""Who may talk to the gateway, and reading the request body within a deadline.

A gateway on loopback without client keys is reachable by every web page the user opens:
a page can POST a CORS-"simple" request (``text/plain``, a form, no content type) or
rebind a DNS name to 127.0.0.1. So, before any body is read or anything is routed:

- ``Host`` must be loopback, the bind host or listed in ``[server] allowed_hosts`` (403);
- an ``Origin`` header (only browsers send one) must be listed in ``allowed_origins`` (403);
- a POST must say ``Content-Type: application/json`` (charset allowed); anything else,
  including no content type at all, is a 415. The SDKs and Claude Code always send it.
  A handler may take other media types instead by listing them in its ``accepts`` attribute
  (``POST /v1/files``: ``multipart/form-data``, and nothing else: a 415 names them); it then
  reads its own body, within its limit.

The body is then read within ``server.body_timeout_s`` (a trickling client gets a 408 and
the connection is closed); a client that hangs up mid-body is one INFO line, not a traceback.
Refused requests never reach a handler: nothing is sent upstream and no ledger row is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from fulcrum.errors import (
    InvalidRequest,
    PermissionDenied,
    RequestTimeout,
    RequestTooLarge,
    UnsupportedMediaType,
)
from fulcrum.gateway.serverconfig import ServerConfig

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
JSON_TYPE = "application/json"
SEEN_HOSTS = 256  # the most Host values whose verdict is remembered


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:80] + "…")


class CrossSite:
    """The ``Host`` and ``Origin`` checks, for whichever server reads the request."""

    def __init__(self, server: ServerConfig) -> None:
        self.server = server
        self._seen: dict[str, bool] = {}  # Host header -> allowed; clients send the same few

    def _host_allowed(self, host: str) -> bool:
        allowed = self._seen.get(host)
        if allowed is None:
            allowed = self.server.host_allowed(host)
            if len(self._seen) < SEEN_HOSTS:
                self._seen[host] = allowed
        return allowed

    def check(self, headers: Mapping[str, str]) -> None:
        """Raise :class:`PermissionDenied` for a foreign ``Host`` or a refused ``Origin``."""
        host = headers.get("Host")
        if host is not None and not self._host_allowed(host):
            raise PermissionDenied(
                f"Host {_shown(host)} is not this gateway; list it in [server] allowed_hosts "
                "to serve it"
            )
        origin = headers.get("Origin")
        if origin is not None and not self.server.origin_allowed(origin):
            raise PermissionDenied(
                f"cross-origin request refused (Origin {_shown(origin)}); list it in "
                "[server] allowed_origins to allow it"
            )


def cross_site(server: ServerConfig) -> Middleware:
    """Refuse a foreign ``Host`` or any ``Origin`` that the configuration does not allow."""
    checks = CrossSite(server)

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        checks.check(request.headers)
        return await handler(request)

    return check


def json_body(server: ServerConfig) -> Middleware:
    """A POST to a known route must be JSON; its body is read here, within the deadline."""

    @web.middleware
    async def read(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.match_info.http_exception is None:
            value = request.headers.get("Content-Type")
            accepts = getattr(request.match_info.handler, "accepts", ())
            if accepts:  # an upload: the handler streams its own body
                _check_accepted(value, accepts)
                return await handler(request)
            check_content_type(value)
            await _read_body(request, server)  # cached: the handler's read() returns it
        return await handler(request)

    return read


def _media(value: str | None) -> str:
    return (value or "").partition(";")[0].strip().lower()


def _check_accepted(value: str | None, accepts: tuple[str, ...]) -> None:
    if _media(value) not in accepts:
        got = f"got {_shown(value)}" if value is not None else "none was sent"
        raise UnsupportedMediaType(f"Content-Type must be {' or '.join(accepts)} ({got})")


def check_content_type(value: str | None) -> None:
    """Raise :class:`UnsupportedMediaType` unless ``value`` is JSON (a charset allowed)."""
    if _media(value) != JSON_TYPE:
        got = f"got {_shown(value)}" if value is not None else "none was sent"
        raise UnsupportedMediaType(f"Content-Type must be {JSON_TYPE} ({got})")


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body of an aiohttp request, within ``limit`` bytes."""
    check_length(request.content_length, limit)
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise body_too_large(limit) from None


def body_too_large(limit: int) -> RequestTooLarge:
    """The 413 of a body that grew past ``limit`` bytes while it was read."""
    return RequestTooLarge(f"request body is over the limit of {limit} bytes")


def body_too_slow(timeout_s: float) -> RequestTimeout:
    """The 408 of a body not received within ``timeout_s``."""
    return RequestTimeout(f"request body not received within {timeout_s:g} s")


def check_length(length: int | None, limit: int) -> None:
    """Raise :class:`RequestTooLarge` when a declared body length is over ``limit``."""
    if length is not None and length > limit:
        raise RequestTooLarge(f"request body is {length} bytes; the limit is {limit} bytes")


async def _read_body(request: web.Request, server: ServerConfig) -> None:
    check_length(request.content_length, server.max_body_bytes)
    if request.content.is_eof():  # already received whole (the common case): no deadline
        await request.read()
        return
    try:
        async with asyncio.timeout(server.body_timeout_s):
            await request.read()
    except TimeoutError:
        raise body_too_slow(server.body_timeout_s) from None
    except ConnectionError:
        log.info("client hung up while sending the body of %s %s", request.method, request.path)
        raise InvalidRequest("client closed the connection before the body was complete") from None
