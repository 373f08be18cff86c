"""The aiohttp server under the application: errors aiohttp makes itself, timeouts, headers.

aiohttp answers a request it cannot parse (a bad header, a broken chunked body) before
any middleware runs, as ``text/plain``, logging a traceback at ERROR. Here that answer is
JSON that both SDKs read (the Anthropic and the OpenAI error shape in one body: which API
the client spoke is unknown when its request line is unreadable), logged as one DEBUG line
(a 500 that escaped the error middleware keeps its ERROR and traceback).

Every response says ``Server: fulcrum``, not the Python and aiohttp versions. A connection
that has not sent complete request headers within ``server.header_timeout_s`` of opening
(or of its previous answer) is closed: aiohttp's keep-alive timer does exactly that while
it waits for a request, so it is set to the header timeout.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from fulcrum.gateway.serverconfig import ServerConfig

log = logging.getLogger(__name__)

SERVER = "fulcrum"
LINGER_S = 2.0  # after an early answer (403, 413, 408), how long an unread body is drained


def parse_error_body(status: int, message: str) -> bytes:
    kind = "invalid_request_error" if status < 500 else "api_error"
    error = {"type": kind, "message": message, "param": None, "code": None}
    return json.dumps({"type": "error", "error": error}).encode()


def malformed(detail: str) -> str:
    """The words of the 400 for a request that cannot be parsed: the parser's first line."""
    lines = detail.strip().splitlines()
    return f"malformed HTTP request ({lines[0].rstrip(':') if lines else 'unreadable'})"


class _Handler(RequestHandler):
    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:  # a bug past the error middleware: keep its traceback
            log.error("error handling a request from %s", request.remote, exc_info=exc)
        else:
            log.debug("unparseable request from %s: %s", request.remote, message or exc)
        if request.writer.output_size > 0:  # an answer is on its way: the connection is broken
            raise ConnectionError("response already started")
        text = malformed(str(message or exc or ""))
        if status >= 500:
            text = "internal gateway error"
        resp = web.Response(
            status=status,
            body=parse_error_body(status, text),
            content_type="application/json",
            headers={"Server": SERVER},
        )
        resp.force_close()
        return resp


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _Handler(self, loop=self._loop, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """``AppRunner`` whose connections answer parse errors in JSON."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _Server
        return server


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER


def prepare(app: web.Application) -> None:
    """Hooks every response of ``app`` needs (before the app is frozen)."""
    app.on_response_prepare.append(_server_header)


def runner(app: web.Application, server: ServerConfig) -> GatewayRunner:
    return GatewayRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=server.shutdown_timeout_s,
        keepalive_timeout=server.header_timeout_s,
        lingering_time=LINGER_S,
    )
