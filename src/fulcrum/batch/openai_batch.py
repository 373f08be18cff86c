"""The OpenAI Batch API: JSONL input files, the ``Batch`` object, output and error files.

An input line is ``{"custom_id", "method": "POST", "url", "body"}``, the url the batch's
``endpoint``: ``/v1/chat/completions``, or ``/v1/responses`` (a Responses request, each item
translated for its backend as an interactive one is; ``previous_response_id`` is refused: a
batch item is answered whole from its own body).
Succeeded items go to the output file, the others (errored, cancelled) to the error file, one
line each: ``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from fulcrum.batch.apis import EXPIRY_S, BatchApi, Body, unix
from fulcrum.batch.store import ItemResult, Job, NewItem
from fulcrum.errors import Conflict, InvalidRequest
from fulcrum.gateway.upstream.formats import OPENAI, RESPONSES, ApiFormat
from fulcrum.textfiles import decode

CHAT = "/v1/chat/completions"
LINE_FIELDS = ("custom_id", "method", "url", "body")  # a line of an input file
# the error of a line for a request that never ran, by the item's outcome (OpenAI's wording)
NEVER_RAN = {
    "canceled": {"code": "batch_cancelled",
                 "message": "This request was cancelled before it was executed."},
    "expired": {"code": "batch_expired",
                "message": "This request could not be executed before the completion window "
                           "expired."},
    "errored": {"code": "batch_failed", "message": "This request was not executed."},
    "succeeded": {"code": "batch_failed", "message": "This request was not executed."},
}  # fmt: skip


class OpenAIBatch(BatchApi):
    name = "openai"
    endpoint = "/v1/batches"
    fmt: ClassVar[ApiFormat] = OPENAI
    cursor = "after"
    max_page = 100
    page_object = "list"
    max_requests = 50_000
    id_prefix = "batch_"
    item_path: ClassVar[str] = CHAT  # the url of every line of a batch this API runs

    def for_endpoint(self, endpoint: str) -> OpenAIBatch:
        api = ITEM_APIS.get(endpoint)
        if api is None:
            raise InvalidRequest(f"endpoint {endpoint!r} is not served in batches here; use "
                                 f"{' or '.join(ITEM_APIS)}", param="endpoint")  # fmt: skip
        return api

    def parse_file(self, content: bytes, max_line_bytes: int | None = None) -> list[NewItem]:
        """The items of an uploaded ``purpose=batch`` file for a batch this API runs (on its
        ``item_path``: :meth:`for_endpoint` picks the API): UTF-8 JSONL, a byte-order mark and
        CRLF line ends allowed (as editors save files); no line over ``max_line_bytes`` (the
        gateway's limit on an interactive request's body)."""
        try:
            text = decode(content)
        except ValueError as exc:
            raise InvalidRequest(f"the input file is {exc}", param="input_file_id") from None
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        self.check_count(len(lines))
        seen: set[str] = set()
        return [self._line(line, n, seen, max_line_bytes) for n, line in lines]

    def _line(self, line: str, n: int, seen: set[str], most: int | None) -> NewItem:
        where = f"input file line {n}"
        if most is not None and len(line) > most // 4 and len(line.encode()) > most:
            raise InvalidRequest(f"{where} is {len(line.encode())} bytes; a request is at most "
                                 f"{most} bytes ([server] max_body_bytes)")  # fmt: skip
        try:
            request: Any = json.loads(line)
        except ValueError:
            raise InvalidRequest(f"{where} is not JSON") from None
        if not isinstance(request, dict):
            raise InvalidRequest(f"{where} must be a JSON object")
        InvalidRequest.check_fields(request, LINE_FIELDS, where)
        method = request.get("method", "POST")
        if method != "POST":
            raise InvalidRequest(f"{where}: method must be POST, got {json.dumps(method)}",
                                 param="method")  # fmt: skip
        if request.get("url") != self.item_path:
            raise InvalidRequest(f"{where}: url {json.dumps(request.get('url'))} is not the "
                                 f"batch's endpoint {self.item_path!r}", param="url")  # fmt: skip
        return self.check_item(request.get("custom_id"), request.get("body"), where, seen)

    def check_custom_id(self, custom_id: Any, where: str) -> str:
        """Any non-empty string: OpenAI sets no pattern (unlike Anthropic)."""
        if not isinstance(custom_id, str) or not custom_id:
            raise InvalidRequest(f"{where}: custom_id must be a non-empty string",
                                 param="custom_id")  # fmt: skip
        return custom_id

    def check_cancel(self, job: Job) -> None:
        if job.counts.pending == 0:
            raise Conflict(f"Cannot cancel a batch with status '{self.status(job)}'.")

    def status(self, job: Job) -> str:
        c = job.counts
        ended = c.pending == 0
        if job.cancelled_at is not None:
            return "cancelled" if ended else "cancelling"
        if ended:  # items the provider's window ran out on: the batch expired, as there
            return "expired" if c.outcomes["expired"] else "completed"
        return "in_progress"

    def view(self, job: Job, base_url: str) -> Body:
        c = job.counts
        failed = c.outcomes["errored"] + c.outcomes["canceled"] + c.outcomes["expired"]
        ended = c.pending == 0
        status = self.status(job)
        return {
            "id": job.id,
            "object": "batch",
            "endpoint": job.endpoint,
            "errors": None,
            "input_file_id": job.input_file_id,
            "completion_window": job.completion_window or "24h",
            "status": status,
            "output_file_id": job.output_file_id if ended and c.outcomes["succeeded"] else None,
            "error_file_id": job.error_file_id if ended and failed else None,
            "created_at": unix(job.created_at),
            "in_progress_at": unix(job.created_at),
            "expires_at": unix(job.created_at + EXPIRY_S),
            "finalizing_at": unix(c.ended_at),
            "completed_at": unix(c.ended_at) if status == "completed" else None,
            "failed_at": None,
            "expired_at": unix(c.ended_at) if status == "expired" else None,
            "cancelling_at": unix(job.cancelled_at),
            "cancelled_at": unix(c.ended_at) if status == "cancelled" else None,
            "request_counts": {
                "total": job.total,
                "completed": c.outcomes["succeeded"],
                "failed": failed,
            },
            "metadata": job.metadata,
        }

    def result_line(self, item: ItemResult) -> Body:
        line: Body = {"id": f"batch_req_{item.id}", "custom_id": item.custom_id}
        if item.status_code is None:  # never run: cancelled, or expired at the provider
            return {**line, "response": None, "error": NEVER_RAN[item.outcome]}
        response = {"status_code": item.status_code, "request_id": item.id, "body": item.result}
        return {**line, "response": response, "error": None}

    def file_lines(self, job: Job, items: list[ItemResult], file_id: str) -> list[Body]:
        """The output file's lines (succeeded items) or the error file's (the others)."""
        want_ok = file_id == job.output_file_id
        return [self.result_line(i) for i in items if (i.outcome == "succeeded") == want_ok]


class OpenAIResponsesBatch(OpenAIBatch):
    """A batch on ``/v1/responses``: the same batch object and files, Responses items."""

    fmt = RESPONSES
    item_path = RESPONSES.chat_path

    def check_item(self, custom_id: Any, body: Any, where: str, seen: set[str]) -> NewItem:
        if isinstance(body, dict) and body.get("previous_response_id") is not None:
            raise InvalidRequest(f"{where}: previous_response_id is not served in batches; "
                                 "send the whole conversation in input",
                                 param="previous_response_id")  # fmt: skip
        return super().check_item(custom_id, body, where, seen)


OPENAI_BATCH = OpenAIBatch()
# the API that runs the items of an OpenAI batch, by the batch's endpoint
ITEM_APIS: dict[str, OpenAIBatch] = {
    api.item_path: api for api in (OPENAI_BATCH, OpenAIResponsesBatch())
}
