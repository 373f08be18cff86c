"""A purpose-built OpenAI and Anthropic streaming upstream with known speeds, for tests.

Time to first token is ``prompt_tokens / prefill_rate`` after a request gets one of the
``slots`` (the rest queue); token ``i`` follows at ``i / decode_rate``. Times are absolute
from the slot start, so event-loop jitter never accumulates. A role-only chunk goes out as
soon as the slot starts (as vLLM does); usage is in the last chunk when
``stream_options.include_usage`` is set. Prompt tokens are whitespace-separated words.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Speeds:
    prefill_rate: float = 50_000.0
    decode_rate: float = 500.0
    slots: int = 2
    key: str | None = None  # when set, a chat request without ``Bearer KEY`` gets a 401
    # broken servers (chat only): a 200 web page; usage of all zeros; a stream of no text
    page: bool = False
    zero_usage: bool = False
    silent: bool = False


def _chunk(delta: dict[str, Any], usage: dict[str, int] | None = None) -> bytes:
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}] if delta else [],
    }
    if usage is not None:
        body["usage"] = usage
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def make_app(speeds: Speeds) -> web.Application:
    gate = asyncio.Semaphore(speeds.slots)

    async def chat(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("authorization")
        if speeds.key is not None and auth != f"Bearer {speeds.key}":
            raise web.HTTPUnauthorized(text="bad key")
        if speeds.page:
            return web.Response(text="<html>sign in</html>", content_type="text/html")
        body = await request.json()
        prompt = sum(len(str(m["content"]).split()) for m in body["messages"])
        out_n = 0 if speeds.silent else int(body.get("max_tokens") or 16)
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        loop = asyncio.get_running_loop()
        async with gate:
            start = loop.time()
            await resp.write(_chunk({"role": "assistant", "content": ""}))
            first = start + prompt / speeds.prefill_rate
            for i in range(out_n):
                await asyncio.sleep(max(0.0, first + i / speeds.decode_rate - loop.time()))
                await resp.write(_chunk({"content": f" t{i}"}))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": prompt, "completion_tokens": out_n}
            if speeds.zero_usage:
                usage = {"prompt_tokens": 0, "completion_tokens": 0}
            await resp.write(_chunk({}, {**usage, "total_tokens": prompt + out_n}))
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def messages(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        prompt = sum(len(str(m["content"]).split()) for m in body["messages"])
        out_n = int(body["max_tokens"])
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        loop = asyncio.get_running_loop()
        async with gate:
            start = loop.time()
            usage = {"input_tokens": prompt, "output_tokens": 1}
            await resp.write(_event("message_start", {"message": {"usage": usage}}))
            block = {"index": 0, "content_block": {"type": "text", "text": ""}}
            await resp.write(_event("content_block_start", block))
            first = start + prompt / speeds.prefill_rate
            for i in range(out_n):
                await asyncio.sleep(max(0.0, first + i / speeds.decode_rate - loop.time()))
                delta = {"index": 0, "delta": {"type": "text_delta", "text": f" t{i}"}}
                await resp.write(_event("content_block_delta", delta))
        await resp.write(_event("content_block_stop", {"index": 0}))
        end = {"delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": out_n}}
        await resp.write(_event("message_delta", end))
        await resp.write(_event("message_stop", {}))
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/v1/messages", messages)
    return app


def _event(kind: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps({"type": kind, **data})
    return f"event: {kind}\ndata: {payload}\n\n".encode()


@asynccontextmanager
async def serve(speeds: Speeds) -> AsyncIterator[str]:
    """Run the fake on 127.0.0.1 and yield its base URL."""
    runner = web.AppRunner(make_app(speeds))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextmanager
def serve_in_thread(speeds: Speeds) -> Iterator[str]:
    """The fake on its own event loop in a thread, for code that calls ``asyncio.run``."""
    loop = asyncio.new_event_loop()
    ready: Future[str] = Future()
    stop = threading.Event()

    async def main() -> None:
        async with serve(speeds) as url:
            ready.set_result(url)
            while not stop.is_set():
                await asyncio.sleep(0.02)

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    try:
        yield ready.result(timeout=10)
    finally:
        stop.set()
        thread.join(timeout=10)
        loop.close()
