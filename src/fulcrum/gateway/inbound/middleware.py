"""The one place HTTP errors are made, and client authentication.

Every :class:`~fulcrum.errors.FulcrumError` raised by a handler becomes a provider-shaped
JSON body with the error's status, shaped by the format whose chat path the request is on
(:func:`~fulcrum.gateway.upstream.formats.client_format`: Anthropic under ``/v1/messages``, OpenAI
elsewhere). aiohttp's own errors (unknown path, wrong method → 405 with ``Allow``, body
over the size limit) and anything unexpected are mapped the same way, so a client never
sees an HTML page or a traceback, and the gateway keeps serving. The order: errors →
cross-site checks (:mod:`fulcrum.gateway.inbound.guard`) → client key → JSON body read.
The chat paths' own front (:mod:`fulcrum.gateway.inbound.front`) makes its errors and checks
client keys with the same functions (:func:`error_answer`, :func:`client_key_name`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from fulcrum.errors import (
    AuthenticationError,
    FulcrumError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    RequestTimeout,
    RequestTooLarge,
)
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.inbound.guard import Handler, body_too_large, cross_site, json_body
from fulcrum.gateway.upstream.formats import client_format

log = logging.getLogger(__name__)

# The dashboard's page holds no data (its JSON stays behind the keys; the page sends the key
# given as /ui#key=KEY with every poll), so a browser can open it.
OPEN_PATHS = frozenset({"/healthz", "/ui"})
# The name of the client key a request authenticated with (never the key itself).
CLIENT_KEY: web.RequestKey[str] = web.RequestKey("fulcrum_client_key", str)


def error_answer(
    path: str, exc: FulcrumError, headers: Mapping[str, str] | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``exc``'s answer, shaped by the format of ``path``'s API (or,
    on a shared path, of the client's ``headers``; the status is ``exc.status``; a
    :class:`RequestTimeout` also closes the connection)."""
    body = client_format(path, headers).error_body(exc)
    return json.dumps(body).encode(), exc.headers()


def error_response(request: web.Request, exc: FulcrumError) -> web.Response:
    body, headers = error_answer(request.path, exc, request.headers)
    resp = web.Response(
        status=exc.status, body=body, content_type="application/json", headers=headers
    )
    if isinstance(exc, RequestTimeout):
        resp.force_close()  # the client is too slow to keep: do not wait for its next request
    return resp


def _from_http(request: web.Request, exc: web.HTTPException) -> FulcrumError:
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return RequestTooLarge("request body is over the size limit")
    if exc.status == 404:
        return NotFound(f"no such endpoint: {request.method} {request.path}")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = tuple(sorted(exc.allowed_methods))
        return MethodNotAllowed(
            f"method {request.method} is not allowed on {request.path} "
            f"(allowed: {', '.join(allowed)})",
            allowed=allowed,
        )
    return InvalidRequest(f"{exc.reason} ({request.method} {request.path})")


def middlewares(config: GatewayConfig) -> list[Callable[..., Awaitable[web.StreamResponse]]]:
    keys = tuple(k.encode() for k in config.server.client_keys)
    names = config.server.client_key_names
    max_bytes = config.server.max_body_bytes

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except FulcrumError as exc:
            return error_response(request, exc)
        except web.HTTPRequestEntityTooLarge:
            return error_response(request, body_too_large(max_bytes))
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return error_response(request, _from_http(request, exc))
        except ConnectionError as exc:  # the client went away: nobody to answer, nothing to fix
            log.info("client gone during %s %s (%s)", request.method, request.path, exc)
            return error_response(request, InvalidRequest("client closed the connection"))
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.path)
            return error_response(request, FulcrumError("internal gateway error"))

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        request[CLIENT_KEY] = client_key_name(request.headers, keys, names)
        return await handler(request)

    checks = [errors, cross_site(config.server)]
    if keys:  # no key check at all when none are configured
        checks.append(auth)
    return [*checks, json_body(config.server)]  # the body is read only once the key is good


def client_key_name(
    headers: Mapping[str, str], keys: tuple[bytes, ...], names: tuple[str, ...]
) -> str:
    """The name of the client key the request carries; a 401 when it carries none of them."""
    index = _authorized(headers, keys)
    if index is None:
        raise AuthenticationError(
            "missing or invalid client key (send x-api-key or Authorization: Bearer)"
        )
    return names[index]


def _authorized(headers: Mapping[str, str], keys: tuple[bytes, ...]) -> int | None:
    """The index of the client key the headers carry, or None."""
    given = headers.get("x-api-key")
    if given is None:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else None
    if not given:
        return None
    candidate = given.encode("utf-8", "surrogateescape")  # undecodable header bytes included
    found = None
    for index, key in enumerate(keys):  # compare every key: the time does not say which
        if hmac.compare_digest(candidate, key):
            found = index
    return found
