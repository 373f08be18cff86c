"""The Anthropic Message Batches API: ``{"requests": [{"custom_id", "params"}]}`` in, the
``MessageBatch`` object, and results as JSONL lines ``{"custom_id", "result": {...}}`` with
``type`` ``succeeded`` (the ``message``), ``errored`` (the ``error`` response), ``canceled``
or ``expired``."""

from __future__ import annotations

from typing import Any

from fulcrum.batch.apis import EXPIRY_S, BatchApi, Body, rfc3339
from fulcrum.batch.store import ItemResult, Job, NewItem
from fulcrum.errors import InvalidRequest
from fulcrum.gateway.upstream.formats import ANTHROPIC


class AnthropicBatch(BatchApi):
    name = "anthropic"
    endpoint = "/v1/messages/batches"
    fmt = ANTHROPIC
    cursor = "after_id"
    back_cursor = "before_id"
    max_page = 1000
    max_requests = 100_000
    id_prefix = "msgbatch_"

    def parse_body(self, body: dict[str, Any]) -> list[NewItem]:
        InvalidRequest.check_fields(body, ("requests",))  # the API refuses any other
        requests = body.get("requests")
        if not isinstance(requests, list):
            raise InvalidRequest("requests: an array of {custom_id, params}", param="requests")
        self.check_count(len(requests))
        seen: set[str] = set()
        items: list[NewItem] = []
        for n, request in enumerate(requests):
            where = f"requests[{n}]"
            if not isinstance(request, dict):
                raise InvalidRequest(f"{where} must be an object")
            InvalidRequest.check_fields(request, ("custom_id", "params"), where)
            items.append(
                self.check_item(request.get("custom_id"), request.get("params"), where, seen)
            )
        return items

    def view(self, job: Job, base_url: str) -> Body:
        c = job.counts
        ended = c.pending == 0
        if ended:
            status = "ended"
        else:
            status = "canceling" if job.cancelled_at is not None else "in_progress"
        results = f"{base_url}{self.endpoint}/{job.id}/results" if ended else None
        return {
            "id": job.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {"processing": c.pending, **c.outcomes},
            "ended_at": rfc3339(c.ended_at),
            "created_at": rfc3339(job.created_at),
            "expires_at": rfc3339(job.created_at + EXPIRY_S),
            "archived_at": None,
            "cancel_initiated_at": rfc3339(job.cancelled_at),
            "results_url": results,
        }

    def result_line(self, item: ItemResult) -> Body:
        result: Body = {"type": item.outcome}
        if item.outcome == "succeeded":
            result["message"] = item.result
        elif item.outcome == "errored":
            result["error"] = item.result
        return {"custom_id": item.custom_id, "result": result}


ANTHROPIC_BATCH = AnthropicBatch()
