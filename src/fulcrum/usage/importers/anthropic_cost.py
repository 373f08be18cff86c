"""The Anthropic Admin API cost report saved as JSON (``GET /v1/organizations/cost_report``;
the SDK's ``BetaAnalyticsCostBucketedResult`` has the same fields).

Each bucket (``starting_at``/``ending_at``) holds ``results`` with ``amount``: a decimal
string in the currency's lowest unit (cents: ``"123.45"`` is $1.2345) and ``currency``
(``USD``; another currency is a problem, never converted), grouped by ``description``,
``model``, ``cost_type`` (tokens, web_search, code_execution), ``token_type``,
``workspace_id``, ``service_tier``, ``context_window``. Stored as bucket records carrying
that stated cost and no tokens (a cost report has none); the model is ``model``, else the
``description`` or ``cost_type``, else ``(unattributed)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fulcrum.usage.importers import buckets
from fulcrum.usage.importers.anthropic_usage import span
from fulcrum.usage.records import UsageRecord

SOURCE = "anthropic-cost"
GROUPS = ("description", "model", "cost_type", "token_type", "workspace_id", "service_tier",
          "context_window", "inference_geo", "speed", "product")  # fmt: skip
CENTS = Decimal(100)


def dollars(amount: object, currency: object, field: str = "amount") -> Decimal:
    """A cost report's amount in cents (a decimal string) as dollars."""
    if str(currency).upper() != "USD":
        raise ValueError(f"currency {currency!r} is not USD; amounts are not converted")
    try:
        value = Decimal(str(amount)) / CENTS
    except InvalidOperation:
        raise ValueError(f"{field} {amount!r} is not a decimal number") from None
    if not value.is_finite() or not isinstance(amount, str | int):
        raise ValueError(f"{field} {amount!r} is not a decimal number")
    return value


def _record(r: Mapping[str, Any], start: datetime, end: datetime, origin: str) -> UsageRecord:
    if r.get("amount") is None:
        raise ValueError("amount missing")
    label = r.get("model") or r.get("description") or r.get("cost_type") or "(unattributed)"
    return UsageRecord(
        source=SOURCE,
        key=buckets.group_key(start, end, r, GROUPS, values=("amount", "currency")),
        ts=start,
        model=str(label),
        project=r.get("workspace_id"),
        origin=origin,
        bucket_s=buckets.span_s(start, end),
        cost_usd=dollars(r["amount"], r.get("currency")),
    )


IMPORTER = buckets.PageImporter(
    SOURCE,
    "Anthropic Admin API cost report pages (cost_report) saved as JSON",
    span,
    _record,
)
