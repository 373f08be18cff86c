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

from aiohttp import web

from fulcrum.batch import files
from fulcrum.batch.anthropic_batch import ANTHROPIC_BATCH
from fulcrum.batch.apis import BatchApi, page_limit
from fulcrum.batch.context import batch_context, owner_of
from fulcrum.batch.files import JSONL, input_content
from fulcrum.batch.forward import triage
from fulcrum.batch.openai_batch import OPENAI_BATCH
from fulcrum.batch.openai_create import parse_create
from fulcrum.batch.registry import APIS
from fulcrum.batch.store import Counts, Job, NewItem
from fulcrum.errors import InvalidRequest, NotFound
from fulcrum.gateway.inbound.guard import read_body
from fulcrum.gateway.inbound.validate import parse_object
from fulcrum.gateway.state import STATE
from fulcrum.ledger.row import new_row_id


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def _job(request: web.Request, api: BatchApi, batch_id: str) -> Job:
    job = await asyncio.to_thread(batch_context(request).store.job, batch_id, owner_of(request))
    if job is None or APIS.get(job.api) is not api:
        raise NotFound(f"No batch found with id '{batch_id}'.")
    return job


async def _create(request: web.Request, api: BatchApi, items: list[NewItem], **fields: Any) -> Job:
    ctx = batch_context(request)
    items = triage(request.app[STATE], api, items, ctx.config.forward)  # local or forwarded
    job = Job(
        id=api.new_id(), api=api.name, created_at=time.time(), total=len(items),
        cancelled_at=None, output_file_id=f"file-{new_row_id()}",
        error_file_id=f"file-{new_row_id()}", counts=Counts(queued=len(items)),
        client_key=owner_of(request), **fields,
    )  # fmt: skip
    await asyncio.to_thread(ctx.store.create, job, items)
    if ctx.worker is not None:
        ctx.worker.poke()
    return job


async def create_openai(request: web.Request) -> web.StreamResponse:
    most = request.app[STATE].config.server.max_body_bytes
    asked = parse_create(parse_object(await read_body(request, most)))
    content = await input_content(request, asked.input_file_id)
    api = OPENAI_BATCH.for_endpoint(asked.endpoint)  # its items' API: chat or Responses
    items = api.parse_file(content, most)  # each line as big as an interactive request
    job = await _create(request, api, items, endpoint=asked.endpoint,
                        input_file_id=asked.input_file_id,
                        completion_window=asked.completion_window,
                        metadata=asked.metadata)  # fmt: skip
    return web.json_response(OPENAI_BATCH.view(job, _base_url(request)))


async def create_anthropic(request: web.Request) -> web.StreamResponse:
    raw = await read_body(request, request.app[STATE].config.server.max_body_bytes)
    items = ANTHROPIC_BATCH.parse_body(parse_object(raw))
    job = await _create(request, ANTHROPIC_BATCH, items, endpoint=ANTHROPIC_BATCH.fmt.chat_path,
                        input_file_id=None, completion_window=None, metadata=None)  # fmt: skip
    return web.json_response(ANTHROPIC_BATCH.view(job, _base_url(request)))


def retrieve(api: BatchApi) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        job = await _job(request, api, request.match_info["id"])
        return web.json_response(api.view(job, _base_url(request)))

    return handler


def listing(api: BatchApi) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        ctx = batch_context(request)
        query = request.query
        limit = page_limit(query, default=20, most=api.max_page)
        after = query.get(api.cursor)
        before = query.get(api.back_cursor) if api.back_cursor else None
        if after is not None and before is not None:
            raise InvalidRequest(f"give {api.cursor} or {api.back_cursor}, not both",
                                 param=api.back_cursor)  # fmt: skip
        owner = owner_of(request)
        jobs, more = await asyncio.to_thread(ctx.store.jobs, api.name, owner, limit, after, before)
        base = _base_url(request)
        return web.json_response(api.page([api.view(j, base) for j in jobs], more))

    return handler


def cancel(api: BatchApi) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        ctx = batch_context(request)
        job = await _job(request, api, request.match_info["id"])
        api.check_cancel(job)
        cancelled = await asyncio.to_thread(ctx.store.cancel, job.id, owner_of(request), None)
        job = cancelled if cancelled is not None else job
        return web.json_response(api.view(job, _base_url(request)))

    return handler


async def anthropic_results(request: web.Request) -> web.StreamResponse:
    ctx = batch_context(request)
    job = await _job(request, ANTHROPIC_BATCH, request.match_info["id"])
    if job.counts.pending:
        raise InvalidRequest(f"batch {job.id!r} is still processing; its results come at its end")
    items = await asyncio.to_thread(ctx.store.results, job.id)
    data = b"".join(json.dumps(ANTHROPIC_BATCH.result_line(i)).encode() + b"\n" for i in items)
    return web.Response(body=data, content_type=JSONL)


def add_routes(app: web.Application) -> None:
    files.add_routes(app)
    r = app.router
    for api, create in ((OPENAI_BATCH, create_openai), (ANTHROPIC_BATCH, create_anthropic)):
        r.add_post(api.endpoint, create)
        r.add_get(api.endpoint, listing(api))
        r.add_get(api.endpoint + "/{id}", retrieve(api))
        r.add_post(api.endpoint + "/{id}/cancel", cancel(api))
    r.add_get(ANTHROPIC_BATCH.endpoint + "/{id}/results", anthropic_results)
