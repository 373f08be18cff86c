"""The Message Batches API of the fake Anthropic: ``POST /v1/messages/batches``,
``GET /v1/messages/batches/{id}`` and ``GET /v1/messages/batches/{id}/results``, in the shapes
the official SDK reads (``MessageBatch``, JSONL results with ``succeeded`` / ``errored`` /
``expired`` lines). Requests are answered from the fake's script when the batch ends (see
:mod:`fulcrum.fakes.batchbook`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fulcrum.fakes import render_anthropic as render
from fulcrum.fakes.batchbook import BatchBook, FakeBatch
from fulcrum.fakes.script import Entry, Fail, Reply, ToolCall
from fulcrum.fakes.template import ID, INPUT, TOOL_ID, dumps, fill, input_tokens
from fulcrum.wire.maps import new_id

if TYPE_CHECKING:
    from fulcrum.fakes.anthropic import FakeAnthropic

PATH = "/v1/messages/batches"
DAY_S = 24 * 3600


def _time(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


class AnthropicBatches:
    """``fake.batches``: the batches created on this fake (``created``, ``end_all()``)."""

    def __init__(self, fake: FakeAnthropic) -> None:
        self.fake = fake
        self.book = BatchBook(fake.script, self._render)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(PATH, self._create),
            web.get(PATH + "/{id}", self._retrieve),
            web.get(PATH + "/{id}/results", self._results),
        ]

    def _render(self, entry: Entry, body: dict[str, Any]) -> tuple[str, int | None, bytes]:
        resolved = self.fake._resolve(entry, body)
        if isinstance(resolved, Fail):
            error = json.loads(render.error_body(resolved.status, resolved.message,
                                                 resolved.error_type, new_id("req_")))  # fmt: skip
            return "errored", resolved.status, dumps(error)
        assert isinstance(resolved, (Reply, ToolCall))
        values = {ID: new_id(""), INPUT: str(input_tokens(resolved, len(dumps(body)))),
                  TOOL_ID: new_id("toolu_")}  # fmt: skip
        message = fill([render.message_json(resolved, str(body.get("model", "")))], values)[0]
        return "succeeded", 200, message

    async def _create(self, request: web.Request) -> web.StreamResponse:
        _, body = await self.fake._record(request)
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            return self.fake._error(400, "requests: Field required")
        seen: set[str] = set()
        items: list[tuple[str, dict[str, Any]]] = []
        for n, one in enumerate(requests):
            custom_id = one.get("custom_id") if isinstance(one, dict) else None
            params = one.get("params") if isinstance(one, dict) else None
            if not isinstance(custom_id, str) or custom_id in seen:
                return self.fake._error(400, f"requests.{n}.custom_id: missing or duplicated")
            problem = self.fake._check(request, params, ("model", "max_tokens", "messages"))
            if problem is not None:
                return problem
            seen.add(custom_id)
            assert isinstance(params, dict)
            items.append((custom_id, params))
        batch = self.book.add(new_id("msgbatch_"), items)
        return self._json(self.view(batch))

    def _found(self, request: web.Request) -> FakeBatch | web.Response:
        batch = self.book.poll(request.match_info["id"])
        if batch is None:
            return self.fake._error(404, f"Batch {request.match_info['id']!r} not found.")
        return batch

    async def _retrieve(self, request: web.Request) -> web.StreamResponse:
        await self.fake._record(request)
        found = self.fake._auth(request) or self._found(request)
        return found if isinstance(found, web.Response) else self._json(self.view(found))

    async def _results(self, request: web.Request) -> web.StreamResponse:
        await self.fake._record(request)
        problem = self.fake._auth(request)
        if problem is not None:
            return problem
        batch = self.book.get(request.match_info["id"])
        if batch is None:
            return self.fake._error(404, f"Batch {request.match_info['id']!r} not found.")
        if not batch.ended:
            return self.fake._error(400, f"Batch {batch.id!r} is still processing.")
        lines = [dumps({"custom_id": r.custom_id, "result": _result(r.kind, r.body)})
                 for r in batch.results]  # fmt: skip
        body = b"".join(line + b"\n" for line in lines)
        return web.Response(body=body, content_type="application/binary")

    def view(self, batch: FakeBatch) -> dict[str, Any]:
        """The ``MessageBatch`` object."""
        ended = batch.ended
        counts = {"processing": 0 if ended else len(batch.requests)}
        for kind in ("succeeded", "errored", "canceled", "expired"):
            counts[kind] = batch.count(kind)
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "ended_at": _time(batch.ended_at),
            "created_at": _time(batch.created_at),
            "expires_at": _time(batch.created_at + DAY_S),
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.fake.url}{PATH}/{batch.id}/results" if ended else None,
        }

    def _json(self, obj: dict[str, Any]) -> web.Response:
        headers = {"request-id": new_id("req_"),
                   "anthropic-organization-id": "00000000-0000-4000-8000-000000000000"}  # fmt: skip
        return web.Response(body=dumps(obj), content_type="application/json", headers=headers)


def _result(kind: str, body: bytes) -> dict[str, Any]:
    if kind == "succeeded":
        return {"type": kind, "message": json.loads(body)}
    if kind == "errored":
        return {"type": kind, "error": json.loads(body)}
    return {"type": kind}
