"""Batch wire formats: one :class:`BatchApi` object per provider's batch API.

A batch API knows the client format of its items (an :class:`ApiFormat` of the gateway's
registry; one per item path: :meth:`BatchApi.for_endpoint`), the ledger endpoint its items
are recorded under, how its batch object looks (the OpenAI ``Batch``, the Anthropic
``MessageBatch``) and how one finished item is written as a line of its results. A batch
stores its API's ``name``; :data:`fulcrum.batch.registry.APIS` maps it back. Adding a
provider's batch API is one more subclass, never a branch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from fulcrum.batch.store import ItemResult, Job, NewItem
from fulcrum.errors import FulcrumError, InvalidRequest
from fulcrum.gateway.upstream.formats import ApiFormat
from fulcrum.ledger.row import new_row_id

Body = dict[str, Any]
EXPIRY_S = 24 * 3600
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def page_limit(query: Mapping[str, str], *, default: int, most: int) -> int:
    """A list page's ``limit`` query parameter: an integer from 1 to ``most``."""
    text = query.get("limit", str(default))
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise InvalidRequest(f"limit: an integer from 1 to {most}", param="limit")
    return int(text)


class BatchApi:
    name: ClassVar[str]
    endpoint: ClassVar[str]  # the batch collection's path, and the ledger rows' endpoint
    fmt: ClassVar[ApiFormat]  # the format every item's body is written in
    id_prefix: ClassVar[str]

    cursor: ClassVar[str]  # the list endpoint's "older than this id" query parameter
    back_cursor: ClassVar[str | None] = None  # its "newer than this id" one, if it has one
    max_page: ClassVar[int]  # the largest ``limit`` of a list page
    max_requests: ClassVar[int]  # the most requests one batch may hold

    page_object: ClassVar[str | None] = None  # a list page's ``object`` (OpenAI: "list")

    def page(self, data: list[Body], has_more: bool) -> Body:
        """A list page as the provider writes it (OpenAI's cursor page, Anthropic's page)."""
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        page = {"data": data, "has_more": has_more, "first_id": first, "last_id": last}
        return page if self.page_object is None else {"object": self.page_object, **page}

    def new_id(self) -> str:
        return f"{self.id_prefix}{new_row_id()}"

    def for_endpoint(self, endpoint: str) -> BatchApi:
        """The API that runs a batch's items on ``endpoint`` (the batch's path for them): this
        one, unless the provider's batches take several item paths (OpenAI's)."""
        return self

    def view(self, job: Job, base_url: str) -> Body:
        """The batch object the provider's SDK reads."""
        raise NotImplementedError

    def result_line(self, item: ItemResult) -> Body:
        """One line of the results for a finished item."""
        raise NotImplementedError

    def error_result(self, exc: FulcrumError) -> Body:
        """What an errored item records: the provider-shaped error body."""
        return self.fmt.error_body(exc)

    def check_custom_id(self, custom_id: Any, where: str) -> str:
        """The request's ``custom_id`` as the provider accepts it (Anthropic's rule)."""
        if not isinstance(custom_id, str) or not CUSTOM_ID.match(custom_id):
            raise InvalidRequest(
                f"{where}: custom_id must be 1-64 letters, digits, '-' or '_'", param="custom_id"
            )
        return custom_id

    def check_cancel(self, job: Job) -> None:
        """Raise when the provider refuses to cancel ``job``; by default a cancel of an ended
        batch answers the batch as it is."""

    def check_count(self, n: int) -> None:
        """Refuse a batch of ``n`` requests: none, or more than the provider takes."""
        if n == 0:
            raise InvalidRequest("a batch needs at least one request")
        if n > self.max_requests:
            raise InvalidRequest(f"a batch holds at most {self.max_requests} requests; this one "
                                 f"has {n}: split it")  # fmt: skip

    def check_item(self, custom_id: Any, body: Any, where: str, seen: set[str]) -> NewItem:
        """One request of a batch, checked like an interactive request to the same path."""
        custom_id = self.check_custom_id(custom_id, where)
        if custom_id in seen:
            raise InvalidRequest(
                f"{where}: custom_id {custom_id!r} is used twice", param="custom_id"
            )
        seen.add(custom_id)
        if not isinstance(body, dict):
            raise InvalidRequest(f"{where}: the request body must be an object")
        try:
            self.fmt.check(body)
        except FulcrumError as exc:
            raise InvalidRequest(f"{where}: {exc.message}", param=exc.param) from None
        if body.get("stream") is True:
            raise InvalidRequest(f"{where}: a batch request cannot stream", param="stream")
        return NewItem(new_row_id(), custom_id, body)


def unix(value: float | None) -> int | None:
    return None if value is None else int(value)


def rfc3339(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
