"""The Files and Batch APIs of the fake OpenAI: ``POST /v1/files`` (multipart,
``purpose=batch``), ``GET /v1/files/{id}/content``, ``POST /v1/batches`` and
``GET /v1/batches/{id}``, in the shapes the official SDK reads (``FileObject``, ``Batch``, output
and error files). Requests are answered from the fake's script when the batch ends (see
:mod:`fulcrum.fakes.batchbook`); a batch with expired requests ends ``expired``."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from fulcrum.fakes import render_openai as render
from fulcrum.fakes.batchbook import Answered, BatchBook, FakeBatch
from fulcrum.fakes.script import Entry, Fail, Reply, ToolCall
from fulcrum.fakes.server import RecordedRequest
from fulcrum.fakes.template import TOOL_ID, dumps, fill
from fulcrum.wire.maps import new_id

if TYPE_CHECKING:
    from fulcrum.fakes.openai import FakeOpenAI

CHAT = "/v1/chat/completions"
DAY_S = 24 * 3600
EXPIRED = {
    "code": "batch_expired",
    "message": "This request could not be executed before the completion window expired.",
}


class OpenAIBatches:
    """``fake.batches``: the batches created on this fake (``created``, ``end_all()``), and
    ``files``: every file by id (uploads and the output and error files)."""

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.book = BatchBook(fake.script, self._render)
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/files", self._upload),
            web.get("/v1/files/{id}/content", self._content),
            web.post("/v1/batches", self._create),
            web.get("/v1/batches/{id}", self._retrieve),
        ]

    def _render(self, entry: Entry, body: dict[str, Any]) -> tuple[str, int | None, bytes]:
        resolved = self.fake._resolve(entry, body)
        if isinstance(resolved, Fail):
            return (
                "errored",
                resolved.status,
                render.error_body(resolved.status, resolved.message, resolved.error_type),
            )
        assert isinstance(resolved, (Reply, ToolCall))
        values = self.fake.values(resolved, len(dumps(body))) | {TOOL_ID: new_id("call_")}
        model = str(body.get("model", ""))
        return "succeeded", 200, fill([render.completion_body(resolved, model)], values)[0]

    def _add_file(self, name: str, purpose: str, content: bytes) -> dict[str, Any]:
        obj = {"id": new_id("file-"), "object": "file", "bytes": len(content),
               "created_at": int(time.time()), "filename": name, "purpose": purpose,
               "status": "processed", "expires_at": None, "status_details": None}  # fmt: skip
        self.files[str(obj["id"])] = (obj, content)
        return obj

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        problem = self.fake._auth(request)
        if problem is not None:
            return problem
        purpose, name, content = "", "upload.jsonl", b""
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader):
                data = await part.read()
                if part.name == "purpose":
                    purpose = data.decode()
                elif part.name == "file":
                    name, content = part.filename or name, bytes(data)
        if self.fake.record:
            headers = {k.lower(): v for k, v in request.headers.items()}
            seen = RecordedRequest(
                request.method, request.path, dict(request.query), headers, content
            )
            self.fake.requests.append(seen)
        if purpose != "batch" or not content:
            return self.fake._error(400, "'purpose' must be 'batch' and 'file' must be given")
        return self._json(self._add_file(name, purpose, content))

    async def _content(self, request: web.Request) -> web.StreamResponse:
        await self.fake._record(request)
        found = self.files.get(request.match_info["id"])
        if found is None:
            return self.fake._error(404, f"No such File object: {request.match_info['id']}")
        return web.Response(body=found[1], content_type="application/octet-stream")

    async def _create(self, request: web.Request) -> web.StreamResponse:
        _, body = await self.fake._record(request)
        problem = self.fake._auth(request)
        if problem is not None:
            return problem
        if not isinstance(body, dict) or body.get("endpoint") != CHAT:
            return self.fake._error(400, f"'endpoint' must be '{CHAT}' here")
        if body.get("completion_window") != "24h":
            return self.fake._error(400, "'completion_window' must be '24h'")
        found = self.files.get(str(body.get("input_file_id")))
        if found is None:
            return self.fake._error(404, f"No such File object: {body.get('input_file_id')}")
        items: list[tuple[str, dict[str, Any]]] = []
        for n, line in enumerate(found[1].decode().splitlines(), 1):
            one = json.loads(line)
            if one.get("url") != CHAT or not isinstance(one.get("body"), dict):
                return self.fake._error(400, f"line {n}: 'url' must be '{CHAT}' with a body")
            items.append((str(one.get("custom_id")), one["body"]))
        batch = self.book.add(new_id("batch_"), items, input_file_id=found[0]["id"])
        return self._json(self.view(batch) | {"status": "validating"})

    async def _retrieve(self, request: web.Request) -> web.StreamResponse:
        await self.fake._record(request)
        problem = self.fake._auth(request)
        if problem is not None:
            return problem
        batch = self.book.poll(request.match_info["id"])
        if batch is None:
            return self.fake._error(404, f"No batch found with id '{request.match_info['id']}'.")
        if batch.ended and "output_file_id" not in batch.extra:
            self._write_files(batch)
        return self._json(self.view(batch))

    def _write_files(self, batch: FakeBatch) -> None:
        ok = [_line(r) for r in batch.results if r.kind == "succeeded"]
        bad = [_line(r) for r in batch.results if r.kind != "succeeded"]
        for key, lines in (("output_file_id", ok), ("error_file_id", bad)):
            content = b"".join(dumps(x) + b"\n" for x in lines)
            name = f"{batch.id}_{key.split('_')[0]}.jsonl"
            batch.extra[key] = (
                self._add_file(name, "batch_output", content)["id"] if lines else None
            )

    def view(self, batch: FakeBatch) -> dict[str, Any]:
        """The ``Batch`` object."""
        end = None if batch.ended_at is None else int(batch.ended_at)
        expired = batch.ended and batch.count("expired") > 0
        status = "in_progress" if not batch.ended else "expired" if expired else "completed"
        created = int(batch.created_at)
        return {
            "id": batch.id, "object": "batch", "endpoint": CHAT, "errors": None,
            "input_file_id": batch.extra["input_file_id"], "completion_window": "24h",
            "status": status, "output_file_id": batch.extra.get("output_file_id"),
            "error_file_id": batch.extra.get("error_file_id"), "created_at": created,
            "in_progress_at": created, "expires_at": created + DAY_S, "finalizing_at": end,
            "completed_at": end if status == "completed" else None, "failed_at": None,
            "expired_at": end if expired else None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": len(batch.requests), "completed": batch.count("succeeded"),
                               "failed": len(batch.results) - batch.count("succeeded")},
            "metadata": None,
        }  # fmt: skip

    def _json(self, obj: dict[str, Any]) -> web.Response:
        headers = {"x-request-id": new_id("req_"), "openai-version": "2020-10-01"}
        return web.Response(body=dumps(obj), content_type="application/json", headers=headers)


def _line(answered: Answered) -> dict[str, Any]:
    line: dict[str, Any] = {"id": new_id("batch_req_"), "custom_id": answered.custom_id}
    if answered.kind == "expired":
        return line | {"response": None, "error": EXPIRED}
    response = {"status_code": answered.status, "request_id": new_id("req_"),
                "body": json.loads(answered.body)}  # fmt: skip
    return line | {"response": response, "error": None}
