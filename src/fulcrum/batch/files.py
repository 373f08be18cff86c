"""OpenAI's Files API as the batch endpoints need it: ``POST /v1/files`` (a multipart upload,
``purpose=batch``), ``GET /v1/files/{id}`` and ``GET /v1/files/{id}/content`` (an input file
as uploaded; a batch's output or error file built from its finished items), and
``DELETE /v1/files/{id}`` (an uploaded file; a batch's output and error files are built from
its items whenever they are read, and last as long as the batch), and ``GET /v1/files`` (the
uploaded files, newest first, paged as OpenAI pages: ``limit``, ``after``, ``order``,
``purpose``; a batch's output and error files are named by the batch)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import BodyPartReader, web

from fulcrum.batch.apis import page_limit
from fulcrum.batch.context import batch_context, owner_of
from fulcrum.batch.filestore import FileRecord
from fulcrum.batch.openai_batch import OPENAI_BATCH
from fulcrum.errors import InvalidRequest, NotFound, RequestTooLarge
from fulcrum.ledger.row import new_row_id

JSONL = "application/jsonl"
MAX_PAGE = 10_000  # OpenAI's largest (and default) ``limit`` of a files page
FORM = "multipart/form-data"


def file_object(record: FileRecord) -> dict[str, Any]:
    return {
        "id": record.id, "object": "file", "bytes": record.bytes,
        "created_at": int(record.created_at), "filename": record.filename,
        "purpose": record.purpose, "status": "processed", "expires_at": None,
        "status_details": None,
    }  # fmt: skip


async def upload_file(request: web.Request) -> web.StreamResponse:
    ctx = batch_context(request)  # the body guard let only a FORM body through
    try:
        purpose, name, content = await _read_form(request, ctx.config.max_file_bytes)
    except ValueError as exc:  # no boundary, no parts: aiohttp's reader says what
        raise InvalidRequest(f"the upload is not a readable {FORM} body: {exc}") from None
    if purpose != "batch":
        raise InvalidRequest("purpose: only 'batch' files are accepted here", param="purpose")
    if not content:
        raise InvalidRequest("file: the uploaded file is empty or missing", param="file")
    record = FileRecord(f"file-{new_row_id()}", time.time(), name, purpose, len(content),
                        owner_of(request))  # fmt: skip
    await asyncio.to_thread(ctx.store.files.add, record, content)
    return web.json_response(file_object(record))


async def _read_form(request: web.Request, limit: int) -> tuple[str | None, str, bytes]:
    reader = await request.multipart()
    purpose, name, content = None, "upload.jsonl", b""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await _read_part(part, limit)
        if part.name == "purpose":
            purpose = data.decode("utf-8", errors="replace")
        elif part.name == "file":
            name, content = part.filename or name, data
    return purpose, name, content


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


async def input_content(request: web.Request, file_id: str) -> bytes:
    """The content of an uploaded ``purpose=batch`` file of the client's: a batch's input."""
    ctx, owner = batch_context(request), owner_of(request)
    found = await asyncio.to_thread(ctx.store.files.get, file_id, owner, content=True)
    if found is not None:
        return found[1]
    if await asyncio.to_thread(ctx.store.job_by_file, file_id, owner) is not None:
        raise InvalidRequest(f"input_file_id: {file_id!r} has purpose 'batch_output'; a batch's "
                             "input is a file uploaded with purpose 'batch'",
                             param="input_file_id")  # fmt: skip
    raise NotFound(f"No such File object: {file_id}", param="input_file_id")


async def _find_file(request: web.Request, *, content: bool) -> tuple[Any, bytes]:
    ctx, owner, file_id = batch_context(request), owner_of(request), request.match_info["id"]
    found = await asyncio.to_thread(ctx.store.files.get, file_id, owner, content=content)
    if found is not None:
        return file_object(found[0]), found[1]
    job = await asyncio.to_thread(ctx.store.job_by_file, file_id, owner)
    if job is None or job.counts.pending:
        raise NotFound(f"No such File object: {file_id}", param="id")
    items = await asyncio.to_thread(ctx.store.results, job.id)
    lines = OPENAI_BATCH.file_lines(job, items, file_id)
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    kind = "output" if file_id == job.output_file_id else "error"
    record = FileRecord(file_id, job.counts.ended_at or job.created_at,
                        f"{job.id}_{kind}.jsonl", "batch_output", len(data))  # fmt: skip
    return file_object(record), data


async def get_file(request: web.Request) -> web.StreamResponse:
    obj, _ = await _find_file(request, content=False)
    return web.json_response(obj)


async def file_content(request: web.Request) -> web.StreamResponse:
    _, data = await _find_file(request, content=True)
    return web.Response(body=data, content_type=JSONL)


async def list_files(request: web.Request) -> web.StreamResponse:
    query = request.query
    limit = page_limit(query, default=MAX_PAGE, most=MAX_PAGE)
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise InvalidRequest(f"order: {order!r} is not accepted; use asc or desc", param="order")
    ctx, after, purpose = batch_context(request), query.get("after"), query.get("purpose")
    found, more = await asyncio.to_thread(
        ctx.store.files.page,
        limit,
        after,
        owner_of(request),
        newest_first=order == "desc",
        purpose=purpose,
    )
    return web.json_response(OPENAI_BATCH.page([file_object(f) for f in found], more))


async def delete_file(request: web.Request) -> web.StreamResponse:
    ctx, owner, file_id = batch_context(request), owner_of(request), request.match_info["id"]
    if await asyncio.to_thread(ctx.store.files.delete, file_id, owner):
        return web.json_response({"id": file_id, "object": "file", "deleted": True})
    job = await asyncio.to_thread(ctx.store.job_by_file, file_id, owner)
    if job is not None:
        raise InvalidRequest(f"{file_id!r} is the output or error file of batch {job.id}, built "
                             "from its items whenever it is read: it lasts as long as the "
                             "batch and is not deleted on its own", param="id")  # fmt: skip
    raise NotFound(f"No such File object: {file_id}", param="id")


# The gateway's body guard lets a route take these media types instead of JSON (it then reads
# its own body): an upload is multipart, streamed here within ``max_file_bytes``.
upload_file.__dict__["accepts"] = (FORM,)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/files", upload_file)
    app.router.add_get("/v1/files", list_files)
    app.router.add_get("/v1/files/{id}", get_file)
    app.router.add_get("/v1/files/{id}/content", file_content)
    app.router.add_delete("/v1/files/{id}", delete_file)
