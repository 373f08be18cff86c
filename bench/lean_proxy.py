"""The floor of any Python hop: a pass-through proxy with no routing, ledger, checks or metrics,
on the same parts as fulcrum's chat path (an ``httptools`` server protocol in front, the
gateway's ``httptools`` keep-alive client behind, uvloop).

``gateway_overhead.py`` runs it as the ``lean-hop`` target beside ``aiohttp-hop``: what one
extra Python hop costs on this machine when it does nothing but forward, so a run shows how
much of fulcrum's cost is the hop and how much is the gateway's own work.

    python bench/lean_proxy.py --upstream http://127.0.0.1:PORT/v1 --port N
"""

from __future__ import annotations

import argparse
import asyncio

import httptools
import uvloop
from yarl import URL

from fulcrum.gateway.upstream.fastpath import PlainPool

UPSTREAM_HEADERS = {"content-type": "application/json", "authorization": "Bearer dummy"}


class Hop(asyncio.Protocol):
    """One client connection: each request's body goes upstream, the answer comes back."""

    def __init__(self, pool: PlainPool, chat: URL) -> None:
        self.pool = pool
        self.chat = chat
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_begin(self) -> None:
        self.url, self.body = b"", []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        body = b"".join(self.body)
        asyncio.get_running_loop().create_task(self.answer(self.url, body))

    async def answer(self, url: bytes, body: bytes) -> None:
        assert self.transport is not None
        if url == b"/healthz":
            status, data = 200, b'{"status":"ok"}'
        else:
            got = await self.pool.post(self.chat, UPSTREAM_HEADERS, body)
            status, data = got.status, got.body
        head = b"HTTP/1.1 %d OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        self.transport.write(head % (status, len(data)) + data)


async def serve(upstream: str, port: int) -> None:
    base = URL(upstream)
    pool = PlainPool(base)
    chat = base / "chat/completions"
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Hop(pool, chat), "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="OpenAI base URL ending in /v1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvloop.run(serve(args.upstream, args.port))


if __name__ == "__main__":
    main()
