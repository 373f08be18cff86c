"""The batch endpoints of ``fulcrum serve``: OpenAI's Files and Batch APIs and Anthropic's
Message Batches API, in the shapes their official SDKs read.

OpenAI: ``POST /v1/files`` (multipart, ``purpose=batch``), ``GET /v1/files/{id}``,
``GET /v1/files/{id}/content`` (an input file as uploaded; an output or error file built from
the finished items), ``POST /v1/batches``, ``GET /v1/batches/{id}``,
``POST /v1/batches/{id}/cancel``. Anthropic: ``POST /v1/messages/batches``,
``GET /v1/messages/batches/{id}``, ``GET /v1/messages/batches/{id}/results``,
``POST /v1/messages/batches/{id}/cancel``. Errors are the provider's (the gateway's error
middleware shapes them by path).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import BodyPartReader, web

from fulcrum.batch.anthropic_batch import ANTHROPIC_BATCH
from fulcrum.batch.apis import BatchApi
from fulcrum.batch.context import BatchContext, batch_context
from fulcrum.batch.forward import triage
from fulcrum.batch.openai_batch import OPENAI_BATCH
from fulcrum.batch.registry import APIS
from fulcrum.batch.store import Counts, FileRecord, Job, NewItem
from fulcrum.errors import InvalidRequest, NotFound, RequestTooLarge
from fulcrum.gateway.inbound.guard import read_body
from fulcrum.gateway.inbound.validate import parse_object
from fulcrum.gateway.state import STATE
from fulcrum.ledger.row import new_row_id

JSONL = "application/jsonl"


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _file_object(record: FileRecord) -> dict[str, Any]:
    return {
        "id": record.id, "object": "file", "bytes": record.bytes,
        "created_at": int(record.created_at), "filename": record.filename,
        "purpose": record.purpose, "status": "processed", "expires_at": None,
        "status_details": None,
    }  # fmt: skip


async def _job(ctx: BatchContext, api: BatchApi, batch_id: str) -> Job:
    job = await asyncio.to_thread(ctx.store.job, batch_id)
    if job is None or APIS.get(job.api) is not api:
        raise NotFound(f"no batch {batch_id!r}")
    return job


async def _create(request: web.Request, api: BatchApi, items: list[NewItem], **fields: Any) -> Job:
    ctx = batch_context(request)
    items = triage(request.app[STATE], api, items, ctx.config.forward)  # local or forwarded
    job = Job(
        id=api.new_id(), api=api.name, created_at=time.time(), total=len(items),
        cancelled_at=None, output_file_id=f"file-{new_row_id()}",
        error_file_id=f"file-{new_row_id()}", counts=Counts(queued=len(items)), **fields,
    )  # fmt: skip
    await asyncio.to_thread(ctx.store.create, job, items)
    if ctx.worker is not None:
        ctx.worker.poke()
    return job


async def upload_file(request: web.Request) -> web.StreamResponse:
    ctx = batch_context(request)
    reader = await request.multipart()
    purpose, name, content = None, "upload.jsonl", b""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await _read_part(part, ctx.config.max_file_bytes)
        if part.name == "purpose":
            purpose = data.decode("utf-8", errors="replace")
        elif part.name == "file":
            name, content = part.filename or name, data
    if purpose != "batch":
        raise InvalidRequest("purpose: only 'batch' files are accepted here", param="purpose")
    if not content:
        raise InvalidRequest("file: the uploaded file is empty or missing", param="file")
    record = FileRecord(f"file-{new_row_id()}", time.time(), name, purpose, len(content))
    await asyncio.to_thread(ctx.store.add_file, record, content)
    return web.json_response(_file_object(record))


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(
                f"file is over the limit of {limit} bytes ([batch] max_file_bytes)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _find_file(ctx: BatchContext, file_id: str, *, content: bool) -> tuple[Any, bytes]:
    found = await asyncio.to_thread(ctx.store.file, file_id, content=content)
    if found is not None:
        return _file_object(found[0]), found[1]
    job = await asyncio.to_thread(ctx.store.job_by_file, file_id)
    if job is None or job.counts.pending:
        raise NotFound(f"no file {file_id!r}")
    items = await asyncio.to_thread(ctx.store.results, job.id)
    lines = OPENAI_BATCH.file_lines(job, items, file_id)
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    kind = "output" if file_id == job.output_file_id else "error"
    record = FileRecord(file_id, job.counts.ended_at or job.created_at,
                        f"{job.id}_{kind}.jsonl", "batch_output", len(data))  # fmt: skip
    return _file_object(record), data


async def get_file(request: web.Request) -> web.StreamResponse:
    obj, _ = await _find_file(batch_context(request), request.match_info["id"], content=False)
    return web.json_response(obj)


async def file_content(request: web.Request) -> web.StreamResponse:
    _, data = await _find_file(batch_context(request), request.match_info["id"], content=True)
    return web.Response(body=data, content_type=JSONL)


async def create_openai(request: web.Request) -> web.StreamResponse:
    ctx = batch_context(request)
    raw = await read_body(request, request.app[STATE].config.server.max_body_bytes)
    body = parse_object(raw)
    file_id, endpoint = body.get("input_file_id"), body.get("endpoint")
    if not isinstance(file_id, str) or not isinstance(endpoint, str):
        raise InvalidRequest("input_file_id and endpoint are required strings")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest("metadata: an object of strings", param="metadata")
    found = await asyncio.to_thread(ctx.store.file, file_id, content=True)
    if found is None:
        raise NotFound(f"no file {file_id!r}", param="input_file_id")
    items = OPENAI_BATCH.parse_file(found[1], endpoint)
    window = body.get("completion_window")
    job = await _create(request, OPENAI_BATCH, items, endpoint=endpoint, input_file_id=file_id,
                        completion_window=window if isinstance(window, str) else "24h",
                        metadata=metadata)  # fmt: skip
    return web.json_response(OPENAI_BATCH.view(job, _base_url(request)))


async def create_anthropic(request: web.Request) -> web.StreamResponse:
    raw = await read_body(request, request.app[STATE].config.server.max_body_bytes)
    items = ANTHROPIC_BATCH.parse_body(parse_object(raw))
    job = await _create(request, ANTHROPIC_BATCH, items, endpoint=ANTHROPIC_BATCH.fmt.chat_path,
                        input_file_id=None, completion_window=None, metadata=None)  # fmt: skip
    return web.json_response(ANTHROPIC_BATCH.view(job, _base_url(request)))


def retrieve(api: BatchApi) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        job = await _job(batch_context(request), api, request.match_info["id"])
        return web.json_response(api.view(job, _base_url(request)))

    return handler


def listing(api: BatchApi) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        ctx = batch_context(request)
        query = request.query
        if "before_id" in query:
            raise InvalidRequest(
                "before_id is not supported; page with after_id", param="before_id"
            )
        text = query.get("limit", "20")
        if not text.isdigit() or not 1 <= int(text) <= 100:
            raise InvalidRequest("limit: an integer from 1 to 100", param="limit")
        after = query.get(api.cursor)
        jobs, more = await asyncio.to_thread(ctx.store.jobs, api.name, int(text), after)
        base = _base_url(request)
        return web.json_response(api.page([api.view(j, base) for j in jobs], more))

    return handler


def cancel(api: BatchApi) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        ctx = batch_context(request)
        job = await _job(ctx, api, request.match_info["id"])
        cancelled = await asyncio.to_thread(ctx.store.cancel, job.id, None)
        job = cancelled if cancelled is not None else job
        return web.json_response(api.view(job, _base_url(request)))

    return handler


async def anthropic_results(request: web.Request) -> web.StreamResponse:
    ctx = batch_context(request)
    job = await _job(ctx, ANTHROPIC_BATCH, request.match_info["id"])
    if job.counts.pending:
        raise InvalidRequest(f"batch {job.id!r} is still processing; its results come at its end")
    items = await asyncio.to_thread(ctx.store.results, job.id)
    data = b"".join(json.dumps(ANTHROPIC_BATCH.result_line(i)).encode() + b"\n" for i in items)
    return web.Response(body=data, content_type=JSONL)


# The gateway's body guard lets a route take these media types instead of JSON (it then reads
# its own body): an upload is multipart, streamed here within ``max_file_bytes``.
upload_file.__dict__["accepts"] = ("multipart/form-data",)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v1/files", upload_file)
    r.add_get("/v1/files/{id}", get_file)
    r.add_get("/v1/files/{id}/content", file_content)
    for api, create in ((OPENAI_BATCH, create_openai), (ANTHROPIC_BATCH, create_anthropic)):
        r.add_post(api.endpoint, create)
        r.add_get(api.endpoint, listing(api))
        r.add_get(api.endpoint + "/{id}", retrieve(api))
        r.add_post(api.endpoint + "/{id}/cancel", cancel(api))
    r.add_get(ANTHROPIC_BATCH.endpoint + "/{id}/results", anthropic_results)
