"""The OpenAI Batch API as a client: the requests uploaded as a JSONL file with purpose
``batch``, ``POST /v1/batches`` with ``endpoint: /v1/chat/completions`` and
``completion_window: 24h``, ``GET /v1/batches/{id}`` until it has ended, then the contents of
its ``output_file_id`` and ``error_file_id``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aiohttp

from fulcrum.batch.providers import Line, Outcome, ProviderBatchApi, call, json_object

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.backends import Backend

CHAT = "/v1/chat/completions"
ENDED = ("completed", "failed", "expired", "cancelled")
# a line without a response: why it never ran
NEVER_RAN = {"batch_expired": "expired", "batch_cancelled": "canceled"}


class OpenAIProviderBatch(ProviderBatchApi):
    format_name = "openai"

    async def submit(self, backend: Backend, lines: list[Line]) -> str:
        jsonl = b"".join(
            json.dumps({"custom_id": cid, "method": "POST", "url": CHAT, "body": body}).encode()
            + b"\n"
            for cid, body in lines
        )
        form = aiohttp.FormData()
        form.add_field("purpose", "batch")
        form.add_field("file", jsonl, filename="fulcrum-batch.jsonl",
                       content_type="application/jsonl")  # fmt: skip
        upload = json_object(await call(backend, "POST", "/v1/files", form=form), "file")
        body = {"input_file_id": upload["id"], "endpoint": CHAT, "completion_window": "24h"}
        made = json_object(await call(backend, "POST", "/v1/batches", body=body), "batch")
        return str(made["id"])

    async def results(self, backend: Backend, batch_id: str) -> list[Outcome] | None:
        batch = json_object(await call(backend, "GET", f"/v1/batches/{batch_id}"), "batch")
        if batch.get("status") not in ENDED:
            return None
        out: list[Outcome] = []
        for key in ("output_file_id", "error_file_id"):
            file_id = batch.get(key)
            if isinstance(file_id, str):
                raw = await call(backend, "GET", f"/v1/files/{file_id}/content")
                out += [_outcome(json.loads(x)) for x in raw.decode("utf-8").splitlines() if x]
        return out


def _outcome(line: dict[str, Any]) -> Outcome:
    custom_id = str(line.get("custom_id", ""))
    response = line.get("response")
    if not isinstance(response, dict):
        code = str((line.get("error") or {}).get("code", ""))
        return Outcome(custom_id, NEVER_RAN.get(code, "errored"), None, json.dumps(line).encode())
    status = int(response.get("status_code") or 500)
    kind = "succeeded" if 200 <= status < 300 else "errored"
    return Outcome(custom_id, kind, status, json.dumps(response.get("body")).encode())


OPENAI_PROVIDER = OpenAIProviderBatch()
