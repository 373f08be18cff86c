"""Shared test data for the context tools: a small repository, a fast hashing embedder, a fake
SearXNG (a real aiohttp server on 127.0.0.1 in its own thread)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from aiohttp import web

from fulcrum.context.embed import Vectors, normalize

REPO_FILES = {
    "pkg/config.py": '''"""Configuration loading."""

import tomllib


def load_settings(path):
    """Read the settings file written in TOML and return a dict."""
    with open(path, "rb") as f:
        return tomllib.load(f)


class Settings:
    """Typed settings."""

    def __init__(self, data):
        self.data = data

    def port(self):
        """The port the server listens on."""
        return int(self.data.get("port", 8080))
''',
    "pkg/server.py": '''from pkg.config import Settings, load_settings


def start_server(path):
    """Start the HTTP server on the configured port."""
    settings = Settings(load_settings(path))
    return settings.port()


def stop_server():
    return None
''',
    "pkg/cli.py": """from pkg.config import load_settings
from pkg.server import start_server


def main(argv):
    load_settings(argv[0])
    return start_server(argv[0])
""",
    "web/app.js": """export function renderChart(data) {
  return data.map((d) => d.value);
}

class Widget {
  draw(ctx) { return ctx; }
}
""",
    "docs/guide.md": """# Guide

Intro text.

## Installing

Run the installer with pip.

## Rate limits

The API answers 429 when you exceed the rate limit; back off and retry.
""",
    "notes.txt": "plain notes\nabout the wombat migration\n",
}


class HashEmbedder:
    """Deterministic bag-of-words vectors: fast, and words shared means vectors close."""

    name = "test-hash-64"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return normalize(out + 1e-6)


class FakeSearxng:
    """A SearXNG JSON endpoint and a few pages, on 127.0.0.1 in its own thread."""

    def __init__(self) -> None:
        self.fail_next = 0  # answer this many requests with 500 first
        self.answer: Any = None  # when set, /search answers this JSON instead of results
        self.queries: list[dict[str, str]] = []
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _search(self, request: web.Request) -> web.Response:
        self.queries.append(dict(request.query))
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500, text="boom")
        if request.query.get("format") != "json":
            return web.Response(status=403, text="format not allowed")
        if self.answer is not None:
            return web.json_response(self.answer)
        q = request.query.get("q", "")
        results = [
            {"title": f"Result {i} for {q}", "url": f"{self.url}/page/{i}", "content": f"About {q}"}
            for i in range(30)
        ]
        return web.json_response({"query": q, "results": results})

    async def _page(self, request: web.Request) -> web.Response:
        html = (
            "<html><head><style>p{}</style><script>var x=1;</script></head><body>"
            f"<h1>Page {request.match_info['n']}</h1><p>Set the RGB colour with "
            "<code>openrgb --color FF0000</code>.</p></body></html>"
        )
        return web.Response(text=html, content_type="text/html")

    async def _embeddings(self, request: web.Request) -> web.Response:
        """An OpenAI-style ``/v1/embeddings``: 3-dimension vectors from the text's length."""
        body = await request.json()
        data = [
            {"index": n, "embedding": [float(len(t)), 1.0, 0.0]}
            for n, t in enumerate(body["input"])
        ]
        return web.json_response({"data": data[::-1], "model": body["model"]})  # any order

    async def _big(self, _request: web.Request) -> web.Response:
        return web.Response(text="x" * 3_000_000, content_type="text/plain")

    async def _latin(self, _request: web.Request) -> web.Response:
        """A page in windows-1252, declared only in the header (``Café crème``)."""
        body = "<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("cp1252")
        return web.Response(body=body, headers={"content-type": "text/html; charset=windows-1252"})

    async def _meta(self, _request: web.Request) -> web.Response:
        """A page whose charset is only in its ``<meta>`` tag (``naïve``)."""
        html = '<html><head><meta charset="iso-8859-1"></head><body>na\u00efve</body></html>'
        return web.Response(body=html.encode("latin-1"), headers={"content-type": "text/html"})

    async def _hop(self, request: web.Request) -> web.Response:
        """``/hop/N`` redirects N times (relative locations), then answers "landed"."""
        n = int(request.match_info["n"])
        if n > 0:
            raise web.HTTPFound(f"/hop/{n - 1}")
        return web.Response(text="landed", content_type="text/plain")

    async def _image(self, _request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" * 10, content_type="image/png")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def _start(self) -> None:
        app = web.Application()
        app.add_routes([
            web.get("/search", self._search),
            web.get("/page/{n}", self._page),
            web.get("/big", self._big),
            web.get("/latin", self._latin),
            web.get("/meta", self._meta),
            web.get("/hop/{n}", self._hop),
            web.get("/redirect", self._redirect),
            web.get("/image.png", self._image),
            web.post("/v1/embeddings", self._embeddings),
        ])  # fmt: skip
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> FakeSearxng:
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
