"""A deterministic scripted model: an OpenAI-compatible server that "solves" specs on cue.

Given a suite and an outcome map ``{model: {spec_id: True | False}}``, it answers a chat
completion for ``model`` by finding the spec whose instruction appears in the request (the
longest match wins) and replying, in the edit format, with the reference solution (``True``)
or the unchanged starting files (``False``). Specs missing from a model's map fail; an unknown
model gets a 404 ``model_not_found`` body. Usage counts are characters ÷ 4, so metering has
numbers to work with. Streaming requests get a well-formed SSE stream.

Outcome files (``fulcrum eval scripted --outcomes FILE``) are JSON of the same shape.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from fulcrum.errors import ConfigError, InvalidRequest, NotFound
from fulcrum.evals import edits
from fulcrum.evals.spec import Spec

Outcomes = dict[str, dict[str, bool]]


def load_outcomes(path: Path) -> Outcomes:
    """Read an outcome map; names the field and what is accepted on bad input."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read JSON ({exc})", file=str(path)) from exc
    if not isinstance(raw, dict):
        raise ConfigError("must be an object {model: {spec_id: true|false}}", file=str(path))
    out: Outcomes = {}
    for model, specs in raw.items():
        if not isinstance(specs, dict) or not all(isinstance(v, bool) for v in specs.values()):
            raise ConfigError("must map spec ids to true or false", file=str(path), field=model)
        out[model] = dict(specs)
    return out


class ScriptedModel:
    def __init__(self, specs: list[Spec], outcomes: Outcomes) -> None:
        self.specs = sorted(specs, key=lambda s: len(s.instruction), reverse=True)
        self.outcomes = outcomes
        self.calls: list[tuple[str, str | None]] = []  # (model, spec id) per request

    def find(self, text: str) -> Spec | None:
        return next((s for s in self.specs if s.instruction in text), None)

    def answer(self, model: str, messages: list[dict[str, Any]]) -> str:
        if model not in self.outcomes:
            raise NotFound(f"model {model!r} is not scripted", param="model")
        text = "\n".join(str(m.get("content") or "") for m in messages if isinstance(m, dict))
        spec = self.find(text)
        self.calls.append((model, spec.id if spec else None))
        if spec is None:
            return "I cannot tell which task this is."
        passes = self.outcomes[model].get(spec.id, False)
        files = spec.solution_files() if passes else spec.starting_files()
        return "Here are the files.\n\n" + edits.render(files)

    async def handle_chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
            model, messages = body["model"], body["messages"]
            if not isinstance(model, str) or not isinstance(messages, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            err = InvalidRequest("body must be JSON with model (string) and messages (list)")
            return web.json_response(err.openai_body(), status=err.status)
        try:
            text = self.answer(model, messages)
        except NotFound as exc:
            return web.json_response(exc.openai_body(), status=exc.status)
        usage = {
            "prompt_tokens": max(1, len(json.dumps(messages)) // 4),
            "completion_tokens": max(1, len(text) // 4),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if body.get("stream"):
            return await self._stream(request, model, text, usage)
        return web.json_response(_completion(model, text, usage))

    async def _stream(
        self, request: web.Request, model: str, text: str, usage: dict[str, int]
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": model}  # fmt: skip
        pieces = [text[i : i + 200] for i in range(0, len(text), 200)] or [""]
        chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": p},
                                        "finish_reason": None}]} for p in pieces]  # fmt: skip
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                       "usage": usage})  # fmt: skip
        for chunk in chunks:
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def handle_models(self, request: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "owned_by": "fulcrum-scripted"} for m in self.outcomes]
        return web.json_response({"object": "list", "data": data})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.handle_chat)
        app.router.add_get("/v1/models", self.handle_models)
        return app


def _completion(model: str, text: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": usage,
    }


@contextmanager
def serve_in_thread(model: ScriptedModel, port: int = 0) -> Iterator[str]:
    """Serve ``model`` on 127.0.0.1 in a background thread; yields the ``/v1`` base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(model.app(), access_log=None)
    ready = threading.Event()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    bound = int(sock.getsockname()[1])

    async def start() -> None:
        await runner.setup()
        await web.SockSite(runner, sock).start()

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=main, name="fulcrum-scripted", daemon=True)
    thread.start()
    if not ready.wait(timeout=30):
        raise RuntimeError("scripted model did not start")
    try:
        yield f"http://127.0.0.1:{bound}/v1"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
