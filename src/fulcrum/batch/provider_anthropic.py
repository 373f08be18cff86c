"""Anthropic's Message Batches API as a client: ``POST /v1/messages/batches`` with
``requests: [{custom_id, params}]``, ``GET /v1/messages/batches/{id}`` until
``processing_status`` is ``ended``, then the JSONL at its ``results_url``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from fulcrum.batch.providers import Line, Outcome, ProviderBatchApi, call, json_object
from fulcrum.errors import UpstreamError

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.backends import Backend

PATH = "/v1/messages/batches"
# An errored result names its error type, not a status: the status the type stands for.
ERROR_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "permission_error": 403,
    "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429,
    "api_error": 500, "overloaded_error": 529,
}  # fmt: skip


class AnthropicProviderBatch(ProviderBatchApi):
    format_name = "anthropic"

    async def submit(self, backend: Backend, lines: list[Line]) -> str:
        requests = [
            {"custom_id": cid, "params": {k: v for k, v in body.items() if k != "stream"}}
            for cid, body in lines
        ]
        made = json_object(await call(backend, "POST", PATH, body={"requests": requests}),
                           "message batch")  # fmt: skip
        return str(made["id"])

    async def results(self, backend: Backend, batch_id: str) -> list[Outcome] | None:
        batch = json_object(await call(backend, "GET", f"{PATH}/{batch_id}"), "message batch")
        if batch.get("processing_status") != "ended":
            return None
        url = batch.get("results_url")
        if not isinstance(url, str):
            raise UpstreamError(f"message batch {batch_id} ended without a results_url")
        raw = await call(backend, "GET", f"{PATH}/{batch_id}/results", url=url)
        return [_outcome(line) for line in raw.decode("utf-8").splitlines() if line.strip()]


def _outcome(text: str) -> Outcome:
    line = json.loads(text)
    result = line.get("result") or {}
    kind = str(result.get("type", "errored"))
    custom_id = str(line.get("custom_id", ""))
    if kind == "succeeded":
        return Outcome(custom_id, kind, 200, json.dumps(result.get("message")).encode())
    if kind == "errored":
        error = result.get("error") or {}
        inner = error.get("error")
        kind_of = inner.get("type") if isinstance(inner, dict) else None
        status = ERROR_STATUS.get(str(kind_of), 500)
        return Outcome(custom_id, kind, status, json.dumps(error).encode())
    return Outcome(custom_id, kind, None, b"")


ANTHROPIC_PROVIDER = AnthropicProviderBatch()
