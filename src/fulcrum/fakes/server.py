"""The lifecycle, request log and fault injection shared by both fake upstreams.

A fake is a real aiohttp server on 127.0.0.1 with an OS-assigned port. Use it from
async code (``async with FakeAnthropic() as fake``) or sync code (``with
FakeAnthropic() as fake``: the server runs its own event loop in a thread). Subclasses
supply the routes and the provider's shapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from fulcrum.fakes.script import (
    AnswerTool,
    Entry,
    Fail,
    Hang,
    Reply,
    Script,
    ToolCall,
    tool_result_text,
)
from fulcrum.fakes.template import fill

__all__ = ["FakeUpstream", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    raw: bytes
    body: Any = field(default=None)  # parsed JSON, None when not JSON


class FakeUpstream:
    """Base of the fakes; see :mod:`fulcrum.fakes.script` for the behaviour queue."""

    def __init__(
        self,
        *,
        port: int = 0,
        default: Entry | None = None,
        api_key: str | None = None,
        record: bool = True,
        strict: bool = True,
    ) -> None:
        self.script = Script(default)
        self.requests: list[RecordedRequest] = []
        self.api_key = api_key
        self.record = record
        self.strict = strict  # reject top-level fields the provider does not know, as it does
        self._port = port
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._cache: dict[tuple[Any, ...], tuple[Entry, list[bytes]]] = {}
        # (time.perf_counter() once written, bytes) of every chunk of a paced stream
        self.chunk_log: list[tuple[float, bytes]] = []

    # -- public API -----------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    def push(self, *entries: Entry, times: int = 1) -> None:
        self.script.push(*entries, times=times)

    @property
    def default(self) -> Entry:
        return self.script.default

    @default.setter
    def default(self, entry: Entry) -> None:
        self.script.default = entry

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, backlog=1024)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self._port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __enter__(self) -> Self:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="fake-upstream", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=30)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
        self._loop = self._thread = None

    # -- for subclasses ------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def stream_error(self) -> bytes:
        """The provider's in-stream error, ending a stream (``error_after``)."""
        raise NotImplementedError

    async def _record(self, request: web.Request) -> tuple[bytes, Any]:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if self.record:
            headers = {k.lower(): v for k, v in request.headers.items()}
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, dict(request.query), headers, raw, body
                )
            )
        return raw, body

    def _resolve(self, entry: Entry, body: Any) -> Reply | ToolCall | Fail | Hang:
        """Turn queue entries into what this request gets (and queue follow-ups)."""
        if isinstance(entry, AnswerTool):
            if not isinstance(entry.then, str):
                return entry.then
            result = tool_result_text(body, entry.call_id) or ""
            return Reply(entry.then.replace("{result}", result), model=entry.model)
        return entry

    def _rendered(self, key: tuple[Any, ...], entry: Entry, render: Any) -> list[bytes]:
        """Rendered byte templates of ``entry`` (cached per entry and request shape)."""
        full = (id(entry), *key)
        hit = self._cache.get(full)
        if hit is not None and hit[0] is entry:
            return hit[1]
        if len(self._cache) > 512:
            self._cache.clear()
        chunks: list[bytes] = render()
        self._cache[full] = (entry, chunks)
        return chunks

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up when the fake stops."""
        if seconds <= 0 or self._closing is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        if self._closing is not None:
            await self._closing.wait()
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=503)

    async def _stream(
        self,
        request: web.Request,
        headers: dict[str, str],
        template: list[bytes],
        values: Mapping[str, str],
        entry: Entry,
    ) -> web.StreamResponse:
        """Send an SSE stream; unpaced and uncut, it goes out in one write (fast path)."""
        if entry.error_after is None and entry.cut_after is None and not entry.chunk_delay:
            body = fill([b"".join(template)], values)[0]
            return web.Response(body=body, status=200, headers=headers)
        chunks = fill(template, values)
        if entry.error_after is not None:
            chunks = [*chunks[: entry.error_after], self.stream_error()]
        response = web.StreamResponse(status=200, headers=headers)
        await response.prepare(request)
        for count, chunk in enumerate(chunks):
            if entry.cut_after is not None and count >= entry.cut_after:
                return self._cut(request, response)
            if count and entry.chunk_delay:
                await self._pause(entry.chunk_delay)
            await response.write(chunk)
            if self.record:
                self.chunk_log.append((time.perf_counter(), chunk))
        await response.write_eof()
        return response

    async def _body(
        self,
        request: web.Request,
        headers: dict[str, str],
        template: list[bytes],
        values: Mapping[str, str],
        entry: Entry,
    ) -> web.StreamResponse:
        body = fill(template, values)[0]
        if entry.cut_after is None:
            return web.Response(body=body, status=200, headers=headers)
        response = web.StreamResponse(status=200, headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        return self._cut(request, response)

    @staticmethod
    def _cut(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        """Drop the connection mid-response, as a crashed upstream would."""
        if request.transport is not None:
            request.transport.abort()
        return response
