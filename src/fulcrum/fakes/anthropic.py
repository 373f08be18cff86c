"""A faithful fake of the Anthropic API: ``POST /v1/messages`` (JSON and SSE),
``POST /v1/messages/count_tokens``, ``GET /v1/models`` and the Message Batches API
(:mod:`fulcrum.fakes.anthropic_batches`), with the provider's ids,
``request-id`` header, usage fields and error bodies."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fulcrum.fakes import render_anthropic as render
from fulcrum.fakes.anthropic_batches import AnthropicBatches
from fulcrum.fakes.script import AnswerTool, Fail, Hang, Reply, ToolCall
from fulcrum.fakes.server import FakeUpstream
from fulcrum.fakes.template import ID, INPUT, TOOL_ID, dumps, input_tokens
from fulcrum.wire.maps import new_id

__all__ = ["ANTHROPIC_MODELS", "FakeAnthropic"]

ANTHROPIC_MODELS = ("claude-opus-4-5", "claude-sonnet-4-6", "claude-haiku-4-5")
# every top-level field of Messages (and count_tokens) in current and beta API versions;
# anything else is rejected the way the API rejects it ("Extra inputs are not permitted")
MESSAGES_FIELDS = frozenset(
    {
        "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
        "temperature", "top_k", "top_p", "tools", "tool_choice", "thinking", "service_tier",
        "container", "mcp_servers", "context_management", "output_config", "output_format",
        "betas", "cache_control", "diagnostics", "inference_geo", "speed", "user_profile_id",
        "workspace_id", "billing_policy", "compaction", "fallback_credit_token", "fallbacks",
        "thread",
    }
)  # fmt: skip
_JSON = "application/json"
_SSE = "text/event-stream; charset=utf-8"


class FakeAnthropic(FakeUpstream):
    """Fake Anthropic Messages API; ``fake.url`` is the SDK's ``base_url``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.batches = AnthropicBatches(self)  # the Message Batches API

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/messages", self._messages),
            web.post("/v1/messages/count_tokens", self._count_tokens),
            web.get("/v1/models", self._models),
            *self.batches.routes(),
        ]

    def stream_error(self) -> bytes:
        error = {"type": "overloaded_error", "message": "Overloaded"}
        return b"event: error\ndata: " + dumps({"type": "error", "error": error}) + b"\n\n"

    def _error(self, status: int, message: str | None, kind: str | None = None) -> web.Response:
        rid = new_id("req_")
        body = render.error_body(status, message, kind, rid)
        return web.Response(body=body, status=status, headers=_headers(rid, _JSON))

    def _auth(self, request: web.Request) -> web.Response | None:
        if self.api_key is not None:
            key = request.headers.get("x-api-key") or request.headers.get("authorization") or ""
            if key.removeprefix("Bearer ") != self.api_key:
                return self._error(401, "invalid x-api-key")
        return None

    def _check(
        self, request: web.Request, body: Any, fields: tuple[str, ...]
    ) -> web.Response | None:
        problem = self._auth(request)
        if problem is not None:
            return problem
        if not isinstance(body, dict):
            return self._error(400, "The request body is not valid JSON.")
        for name in fields:
            if name not in body:
                return self._error(400, f"{name}: Field required")
        if "model" in fields and not isinstance(body["model"], str):
            return self._error(400, "model: Input should be a valid string")
        if "max_tokens" in fields and not isinstance(body["max_tokens"], int):
            return self._error(400, "max_tokens: Input should be a valid integer")
        if not isinstance(body["messages"], list):
            return self._error(400, "messages: Input should be a valid list")
        refused = _refused_block(body["messages"])
        if refused is not None:  # the real API checks signatures and text blocks
            return self._error(400, refused)
        if self.strict:
            for name in body:
                if name not in MESSAGES_FIELDS:
                    return self._error(400, f"{name}: Extra inputs are not permitted")
        return None

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        raw, body = await self._record(request)
        problem = self._check(request, body, ("model", "max_tokens", "messages"))
        if problem is not None:
            return problem
        entry = self._resolve(self.script.take(body), body)
        await self._pause(entry.first_byte_delay)
        if isinstance(entry, Hang):
            return await self._hang(request)
        if isinstance(entry, Fail):
            return self._fail(entry)
        assert isinstance(entry, (Reply, ToolCall))
        values = {ID: new_id(""), INPUT: str(input_tokens(entry, len(raw)))}
        if isinstance(entry, ToolCall):
            values[TOOL_ID] = entry.call_id or new_id("toolu_")
            follow = AnswerTool(call_id=values[TOOL_ID], then=entry.then, model=entry.model)
            self.script.push_front(follow)
        model = body["model"]
        rid = new_id("req_")
        if body.get("stream") is True:
            chunks = self._rendered(
                ("s", model), entry, lambda: render.message_events(entry, model)
            )
            headers = _headers(rid, _SSE) | {"cache-control": "no-cache"}
            return await self._stream(request, headers, chunks, values, entry)
        chunks = self._rendered(("j", model), entry, lambda: [render.message_json(entry, model)])
        return await self._body(request, _headers(rid, _JSON), chunks, values, entry)

    def _fail(self, entry: Fail) -> web.Response:
        response = self._error(entry.status, entry.message, entry.error_type)
        if entry.retry_after is not None:
            response.headers["retry-after"] = _seconds(entry.retry_after)
        if entry.status == 429:
            response.headers["anthropic-ratelimit-requests-remaining"] = "0"
        return response

    async def _count_tokens(self, request: web.Request) -> web.StreamResponse:
        raw, body = await self._record(request)
        problem = self._check(request, body, ("model", "messages"))
        if problem is not None:
            return problem
        rid = new_id("req_")
        payload = dumps({"input_tokens": input_tokens(None, len(raw))})
        return web.Response(body=payload, headers=_headers(rid, _JSON))

    async def _models(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        data = [
            {
                "type": "model",
                "id": name,
                "display_name": name.replace("-", " ").title(),
                "created_at": "2025-09-29T00:00:00Z",
            }
            for name in ANTHROPIC_MODELS
        ]
        body = {
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"],
            "last_id": data[-1]["id"],
        }
        return web.Response(body=dumps(body), headers=_headers(new_id("req_"), _JSON))


def _refused_block(messages: list[Any]) -> str | None:
    """What the Messages API says of the first block it refuses: a thinking block without a
    signature, a text block that is empty or white space."""
    for i, msg in enumerate(messages):
        content = msg.get("content") if isinstance(msg, dict) else None
        for j, block in enumerate(content if isinstance(content, list) else []):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "thinking" and not block.get("signature"):
                return f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
            text = block.get("text") if kind == "text" else None
            if isinstance(text, str) and not text.strip():
                said = "must contain non-whitespace text" if text else "must be non-empty"
                return f"messages: text content blocks {said}"
    return None


def _headers(request_id: str, content_type: str) -> dict[str, str]:
    return {
        "content-type": content_type,
        "request-id": request_id,
        "anthropic-organization-id": "00000000-0000-4000-8000-000000000000",
    }


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
