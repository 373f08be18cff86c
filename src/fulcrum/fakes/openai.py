"""A faithful fake of the OpenAI Chat Completions API: ``POST /v1/chat/completions``
(JSON and SSE, ``stream_options.include_usage``), ``POST /v1/responses`` (the Responses API,
JSON and SSE), ``GET /v1/models`` and the Files and
Batch APIs (:mod:`fulcrum.fakes.openai_batches`), with the
provider's ids, ``x-request-id`` header, usage fields and error bodies. The same
format is what vLLM, llama.cpp, Ollama and LM Studio serve."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from fulcrum.fakes import render_openai as render
from fulcrum.fakes import render_responses
from fulcrum.fakes.openai_batches import OpenAIBatches
from fulcrum.fakes.script import AnswerTool, Fail, Hang, Reply, ToolCall
from fulcrum.fakes.server import FakeUpstream
from fulcrum.fakes.template import (
    CREATED,
    ID,
    PROMPT,
    TOOL_ID,
    TOTAL,
    dumps,
    input_tokens,
    output_tokens,
)
from fulcrum.wire.maps import new_id

__all__ = ["OPENAI_MODELS", "FakeOpenAI"]

OPENAI_MODELS = ("gpt-5.1", "gpt-5-mini", "gpt-4o-mini")
# every top-level Chat Completions parameter; OpenAI rejects anything else
COMPLETIONS_FIELDS = frozenset(
    {
        "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens",
        "temperature", "top_p", "n", "stop", "tools", "tool_choice", "parallel_tool_calls",
        "user", "seed", "response_format", "frequency_penalty", "presence_penalty", "logprobs",
        "top_logprobs", "logit_bias", "reasoning_effort", "service_tier", "store", "metadata",
        "modalities", "audio", "prediction", "functions", "function_call", "verbosity",
        "web_search_options", "prompt_cache_key", "prompt_cache_options",
        "prompt_cache_retention", "safety_identifier", "moderation",
    }
)  # fmt: skip
_JSON = "application/json"
_SSE = "text/event-stream; charset=utf-8"


class FakeOpenAI(FakeUpstream):
    """Fake OpenAI API; the SDK's ``base_url`` is ``fake.url + "/v1"``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.batches = OpenAIBatches(self)  # the Files and Batch APIs

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/chat/completions", self._completions),
            web.post("/v1/responses", self._responses),
            web.get("/v1/models", self._models),
            *self.batches.routes(),
        ]

    def _auth(self, request: web.Request) -> web.Response | None:
        if self.api_key is not None:
            auth = request.headers.get("authorization", "")
            if auth.removeprefix("Bearer ") != self.api_key:
                return self._error(401, "Incorrect API key provided.")
        return None

    @staticmethod
    def values(entry: Reply | ToolCall, raw_size: int) -> dict[str, str]:
        """The per-answer holes of a completion (id, time, token counts)."""
        return _values(entry, raw_size)

    def stream_error(self) -> bytes:
        return b"data: " + render.error_body(500, None, None) + b"\n\n"

    def _error(self, status: int, message: str | None, kind: str | None = None) -> web.Response:
        body = render.error_body(status, message, kind)
        return web.Response(body=body, status=status, headers=_headers(new_id("req_"), _JSON))

    def _check(self, request: web.Request, body: Any) -> web.Response | None:
        problem = self._auth(request)
        if problem is not None:
            return problem
        if not isinstance(body, dict):
            return self._error(400, "We could not parse the JSON body of your request.")
        if not isinstance(body.get("model"), str):
            return self._error(400, "you must provide a model parameter")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return self._error(400, "Missing required parameter: 'messages'.")
        if self.strict:
            for name in body:
                if name not in COMPLETIONS_FIELDS:
                    return self._error(400, f"Unrecognized request argument supplied: {name}")
        return None

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        raw, body = await self._record(request)
        problem = self._check(request, body)
        if problem is not None:
            return problem
        taken = await self._take(request, raw, body)
        if isinstance(taken, web.StreamResponse):
            return taken
        entry, values = taken
        model = body["model"]
        if body.get("stream") is True:
            options = body.get("stream_options")
            usage = isinstance(options, dict) and options.get("include_usage") is True
            return await self._send(request, entry, values, ("s", model, usage),
                                    lambda: render.completion_chunks(entry, model, usage),
                                    stream=True)  # fmt: skip
        return await self._send(request, entry, values, ("j", model),
                                lambda: [render.completion_body(entry, model)],
                                stream=False)  # fmt: skip

    async def _take(
        self, request: web.Request, raw: bytes, body: Any
    ) -> web.StreamResponse | tuple[Reply | ToolCall, dict[str, str]]:
        """The scripted answer and its holes, or the response a hang or failure gives."""
        entry = self._resolve(self.script.take(body), body)
        await self._pause(entry.first_byte_delay)
        if isinstance(entry, Hang):
            return await self._hang(request)
        if isinstance(entry, Fail):
            return self._fail(entry)
        values = _values(entry, len(raw))
        if isinstance(entry, ToolCall):
            values[TOOL_ID] = entry.call_id or new_id("call_")
            follow = AnswerTool(call_id=values[TOOL_ID], then=entry.then, model=entry.model)
            self.script.push_front(follow)
        return entry, values

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        """``POST /v1/responses``: the same script, answered as OpenAI's Responses API."""
        raw, body = await self._record(request)
        problem = self._auth(request)
        if problem is None and not (isinstance(body, dict) and isinstance(body.get("model"), str)):
            problem = self._error(400, "you must provide a model parameter")
        if problem is None and not isinstance(body.get("input"), str | list):
            problem = self._error(400, "Missing required parameter: 'input'.")
        if problem is not None:
            return problem
        taken = await self._take(request, raw, body)
        if isinstance(taken, web.StreamResponse):
            return taken
        entry, values = taken
        model = body["model"]
        if body.get("stream") is True:
            return await self._send(request, entry, values, ("rs", model),
                                    lambda: render_responses.response_events(entry, model),
                                    stream=True)  # fmt: skip
        return await self._send(request, entry, values, ("rj", model),
                                lambda: [render_responses.response_body(entry, model)],
                                stream=False)  # fmt: skip

    async def _send(
        self, request: web.Request, entry: Reply | ToolCall, values: dict[str, str],
        key: tuple[Any, ...], render: Callable[[], list[bytes]], *, stream: bool,
    ) -> web.StreamResponse:  # fmt: skip
        """The rendered answer (cached under ``key``), as an SSE stream or a JSON body."""
        chunks = self._rendered(key, entry, render)
        headers = _headers(new_id("req_"), _JSON)
        if stream:
            headers |= {"content-type": _SSE, "cache-control": "no-cache"}
            return await self._stream(request, headers, chunks, values, entry)
        return await self._body(request, headers, chunks, values, entry)

    def _fail(self, entry: Fail) -> web.Response:
        response = self._error(entry.status, entry.message, entry.error_type)
        if entry.retry_after is not None:
            value = entry.retry_after
            response.headers["retry-after"] = str(int(value)) if value == int(value) else str(value)
            response.headers["retry-after-ms"] = str(int(value * 1000))
        if entry.status == 429:
            response.headers["x-ratelimit-remaining-requests"] = "0"
        return response

    async def _models(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        data = [
            {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
            for name in OPENAI_MODELS
        ]
        body = dumps({"object": "list", "data": data})
        return web.Response(body=body, headers=_headers(new_id("req_"), _JSON))


def _values(entry: Reply | ToolCall, raw_size: int) -> dict[str, str]:
    cached = entry.cache_read_tokens + entry.cache_write_tokens if isinstance(entry, Reply) else 0
    prompt = input_tokens(entry, raw_size) + cached
    return {
        ID: new_id(""),
        CREATED: str(int(time.time())),
        PROMPT: str(prompt),
        TOTAL: str(prompt + output_tokens(entry)),
    }


def _headers(request_id: str, content_type: str) -> dict[str, str]:
    return {
        "content-type": content_type,
        "x-request-id": request_id,
        "openai-version": "2020-10-01",
        "openai-processing-ms": "1",
    }
