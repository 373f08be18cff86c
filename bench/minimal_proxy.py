"""The floor: the smallest aiohttp pass-through proxy (no routing, ledger, checks or metrics).

``gateway_overhead.py`` runs it as the ``aiohttp-hop`` target, so a run shows how much of a
gateway's added latency is one extra aiohttp hop and how much is the gateway's own work.

    python bench/minimal_proxy.py --upstream http://127.0.0.1:PORT/v1 --port N
"""

from __future__ import annotations

import argparse

import aiohttp
from aiohttp import web


def build_app(upstream: str) -> web.Application:
    app = web.Application()
    session: dict[str, aiohttp.ClientSession] = {}

    async def start(_app: web.Application) -> None:
        session["s"] = aiohttp.ClientSession()

    async def stop(_app: web.Application) -> None:
        await session["s"].close()

    async def chat(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {"content-type": "application/json", "authorization": "Bearer dummy"}
        async with session["s"].post(upstream + "/chat/completions", data=body,
                                     headers=headers) as resp:  # fmt: skip
            data = await resp.read()
            return web.Response(status=resp.status, body=data, content_type="application/json")

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="OpenAI base URL ending in /v1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build_app(args.upstream), host="127.0.0.1", port=args.port, access_log=None,
                print=None)  # fmt: skip


if __name__ == "__main__":
    main()
