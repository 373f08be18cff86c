"""One client connection on the front: HTTP/1.1 parsed with ``httptools``, one request at a time.

A POST to a chat path is read here: its headers are admitted (cross-site, client key,
content type, declared length) before a body byte is kept, its body is read within
``server.body_timeout_s`` and the size limit, then the handler serves it. Any other request
(``/v1/models``, ``/healthz``, a wrong method, an unknown path) hands the connection to the
aiohttp server with the bytes read so far, and aiohttp serves it from then on.

Timeouts as aiohttp's: a connection that has not sent complete headers within
``server.header_timeout_s`` of opening or of its last answer is closed without a word; a body
not complete within the body timeout gets a 408. A refused request is answered at once and
its unread body drained for :data:`LINGER_S` before the connection closes. A request that
arrives while another is being answered (HTTP pipelining, which clients do not use) closes
the connection after that answer; the client sends it again on a new one.
"""

from __future__ import annotations

import contextlib
import logging
from enum import Enum
from typing import TYPE_CHECKING

import httptools
from multidict import CIMultiDict

from fulcrum.errors import FulcrumError, RequestTimeout
from fulcrum.gateway.inbound.frontconn import FrontConnection
from fulcrum.gateway.inbound.frontreply import FrontExchange, json_answer
from fulcrum.gateway.inbound.guard import body_too_large, body_too_slow
from fulcrum.gateway.inbound.httpserver import LINGER_S, malformed, parse_error_body
from fulcrum.gateway.inbound.middleware import error_answer

if TYPE_CHECKING:
    from fulcrum.gateway.inbound.front import Front

log = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024  # bytes of request line and headers


class Phase(Enum):
    IDLE = 0  # between requests
    HEAD = 1  # reading a request line and headers
    BODY = 2  # reading a chat request's body
    REFUSED = 3  # answered early; the rest is drained until the connection closes
    DROP = 4  # a pipelined request: closed after the answer in progress
    HANDOFF = 5  # not a chat request: the connection goes to aiohttp


class FrontProtocol(FrontConnection):
    def __init__(self, front: Front) -> None:
        super().__init__(front)
        self.parser = httptools.HttpRequestParser(self)
        self.phase = Phase.IDLE
        self.pending: list[bytes] = []  # this request's bytes so far (for a hand-off)
        self.head_size = 0  # bytes received while the headers are read (a bound on buffering)
        self.header_bytes = 0  # the headers' names and values
        self.url = b""
        self.path = self.query = ""  # split from the URL once its headers are complete
        self.raw: list[tuple[bytes, bytes]] = []
        self.headers: CIMultiDict[str] = CIMultiDict()
        self.client_key: str | None = None
        self.chunks: list[bytes] = []
        self.size = 0

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.phase is Phase.BODY:
            log.info("client hung up while sending the body of POST %s", self.path)
        del self.parser  # it holds this protocol's callbacks: a cycle for the collector

    def data_received(self, data: bytes) -> None:
        phase = self.phase
        if phase is Phase.DROP:
            return
        if phase is Phase.REFUSED:
            self._drain_refused(data)
            return
        if phase is Phase.HANDOFF:
            self.pending.append(data)
            return
        if phase is Phase.IDLE:
            self.pending, self.head_size = [data], len(data)
        elif phase is Phase.HEAD:
            self.pending.append(data)
            self.head_size += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self.phase is not Phase.HANDOFF:
                self._malformed(str(exc))
        if self.phase is Phase.HANDOFF:
            self._hand_off()
        elif self.phase is Phase.BODY and not self.armed:
            self.arm(self.front.server.body_timeout_s, self._body_timeout)
        elif self.phase is Phase.HEAD and self.head_size > MAX_HEAD:
            self._malformed(f"request line and headers over {MAX_HEAD} bytes")

    def _drain_refused(self, data: bytes) -> None:
        """Parse (and drop) the rest of a refused request: its end closes the connection."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.close()

    # --- httptools callbacks ------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.phase is Phase.REFUSED:
            return
        if self.task is not None:  # pipelined behind the answer in progress
            self.phase = Phase.DROP
            return
        self.phase = Phase.HEAD
        self.url = b""
        self.raw = []
        self.header_bytes = 0

    def on_url(self, url: bytes) -> None:
        if self.phase is Phase.HEAD:
            self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.phase is Phase.HEAD:
            self.raw.append((name, value))
            self.header_bytes += len(name) + len(value)

    def on_headers_complete(self) -> None:
        if self.phase is not Phase.HEAD:
            return
        self.disarm()
        if self.header_bytes > MAX_HEAD:
            self._malformed(f"request line and headers over {MAX_HEAD} bytes")
            return
        path, _, query = self.url.decode("latin-1").partition("?")
        self.path, self.query = path, query
        if self.parser.get_method() != b"POST" or path not in self.front.routes:
            self.phase = Phase.HANDOFF
            return
        self.pending = []
        self.headers = CIMultiDict(
            [(n.decode("latin-1"), v.decode("utf-8", "surrogateescape")) for n, v in self.raw]
        )
        try:
            self.client_key = self.front.admit(self.headers)
        except FulcrumError as exc:
            self._refuse(exc)
            return
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.phase = Phase.BODY  # the body timer starts if this feed leaves the body incomplete
        self.chunks, self.size = [], 0

    def on_body(self, body: bytes) -> None:
        if self.phase is not Phase.BODY:
            return
        self.size += len(body)
        limit = self.front.server.max_body_bytes
        if self.size > limit:
            self._refuse(body_too_large(limit))
            return
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.phase is Phase.REFUSED:
            self.close()  # the refused body is drained: nothing more to read
        if self.phase is not Phase.BODY:
            return
        self.disarm()
        self.phase = Phase.IDLE
        chunks = self.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self.chunks = []
        path = self.path
        exchange = FrontExchange(
            self, self.front.state, self.front.routes[path], path=path, query=self.query,
            headers=self.headers, client_key=self.client_key, body=body,
            keep_alive=self.parser.should_keep_alive() and not self.front.closing,
            http11=self.parser.get_http_version() != "1.0",
        )  # fmt: skip
        self.task = self.loop.create_task(self._serve(exchange))

    # --- serving ---------------------------------------------------------------------------
    async def _serve(self, exchange: FrontExchange) -> None:
        try:
            await self.front.handler(exchange)
        except FulcrumError as exc:
            self._error(exchange, exc)
        except ConnectionError as exc:  # the client went away: nobody to answer
            log.info("client gone during POST %s (%s)", exchange.path, exc)
        except Exception:
            log.exception("unexpected error on POST %s", exchange.path)
            self._error(exchange, FulcrumError("internal gateway error"))
        finally:
            self._done(exchange)

    def _error(self, exchange: FrontExchange, exc: FulcrumError) -> None:
        if exchange.started:  # part of an answer is out: only closing says it failed
            exchange.keep_alive = False
            return
        if isinstance(exc, RequestTimeout):
            exchange.keep_alive = False
        body, headers = error_answer(exchange.path, exc)
        with contextlib.suppress(ConnectionResetError):  # the client went away meanwhile
            exchange.answer(exc.status, body, headers)

    def _done(self, exchange: FrontExchange) -> None:
        self.task = None
        if self.closed:
            return
        if (
            not (exchange.complete and exchange.keep_alive)
            or self.front.closing
            or self.phase is Phase.DROP
        ):
            self.close()
        elif self.phase is Phase.IDLE:
            self.wait_for_request()

    def _hand_off(self) -> None:
        """Give the connection, and the bytes of the request being read, to aiohttp."""
        assert self.transport is not None
        self._stop_timer()  # its pending timer would hold this protocol until it fired
        self.front.connections.discard(self)
        data, self.pending = b"".join(self.pending), []
        handler = self.front.fallback()
        self.transport.set_protocol(handler)
        handler.connection_made(self.transport)
        if data:
            handler.data_received(data)
        del self.parser  # done with this protocol: as at connection_lost, no cycle left behind

    def _refuse(self, exc: FulcrumError) -> None:
        """Answer ``exc`` before the body is read, then drain what is left of it a while."""
        self.phase = Phase.REFUSED
        self.disarm()
        body, headers = error_answer(self.path, exc)
        try:
            self.send(json_answer(exc.status, body, headers, close=True))
        except ConnectionResetError:
            return
        self.arm(LINGER_S, self.close)

    def _malformed(self, detail: str) -> None:
        if self.task is not None:  # behind an answer in progress: it goes out, then close
            self.phase = Phase.DROP
            return
        self.phase = Phase.REFUSED
        message = malformed(detail)
        log.debug("unparseable request: %s", message)
        try:
            self.send(json_answer(400, parse_error_body(400, message), {}, close=True))
        except ConnectionResetError:
            return
        self.close()

    def _body_timeout(self) -> None:
        if self.phase is Phase.BODY:
            self._refuse(body_too_slow(self.front.server.body_timeout_s))
