"""OpenAI organization costs saved as JSON (``GET /v1/organization/costs``; the SDK's
``organization.costs.result``).

Buckets carry ``start_time``/``end_time`` (Unix seconds) and ``results`` with ``amount``
{``value`` (dollars, a JSON number), ``currency`` (``usd``; another is a problem)}, grouped
by ``line_item`` and ``project_id``. Stored as bucket records carrying that stated cost and
no tokens; the model column shows the line item (``(all line items)`` when not grouped).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fulcrum.usage.importers import buckets
from fulcrum.usage.importers.openai_usage import span
from fulcrum.usage.records import UsageRecord

SOURCE = "openai-costs"
GROUPS = ("line_item", "project_id", "api_key_id", "user_id", "api_source")


def _dollars(amount: object) -> Decimal:
    if not isinstance(amount, Mapping):
        raise ValueError("amount missing")
    value, currency = amount.get("value"), amount.get("currency")
    if str(currency).lower() != "usd":
        raise ValueError(f"amount.currency {currency!r} is not usd; amounts are not converted")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("amount.value missing or not a number")
    try:
        out = Decimal(str(value))  # the JSON text's digits, not the float's binary expansion
    except InvalidOperation:
        raise ValueError(f"amount.value {value!r} is not a number") from None
    if not out.is_finite():
        raise ValueError(f"amount.value {value!r} is not a number")
    return out


def _record(r: Mapping[str, Any], start: datetime, end: datetime, origin: str) -> UsageRecord:
    return UsageRecord(
        source=SOURCE,
        key=buckets.group_key(start, end, r, GROUPS),
        ts=start,
        model=str(r.get("line_item") or "(all line items)"),
        project=r.get("project_id"),
        origin=origin,
        bucket_s=buckets.span_s(start, end),
        cost_usd=_dollars(r.get("amount")),
    )


IMPORTER = buckets.PageImporter(
    SOURCE,
    "OpenAI organization costs pages (organization/costs) saved as JSON",
    span,
    _record,
)
