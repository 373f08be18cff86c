"""The Anthropic Admin API usage report saved as JSON (``GET
/v1/organizations/usage_report/messages``; the same result shape as the SDK's
``BetaAnalyticsUsageBucketedResult``).

Each bucket (``starting_at``/``ending_at``, RFC 3339) holds ``results``: per group
(``model``, ``workspace_id``, ``api_key_id``, ``service_tier``, ``context_window``…) the
``uncached_input_tokens``, ``cache_creation`` {``ephemeral_5m_input_tokens``,
``ephemeral_1h_input_tokens``}, ``cache_read_input_tokens``, ``output_tokens`` and
``server_tool_use.web_search_requests`` (``requests`` where the report gives it). Stored as
bucket records priced from the catalog; ``project`` is the workspace. A result without a
``model`` (the report was not grouped by model) is stored under ``(all models)`` and has no
price. Batch-tier tokens (``service_tier = batch``) are priced at the standard rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fulcrum.usage.importers import buckets, values
from fulcrum.usage.records import UsageRecord

SOURCE = "anthropic-usage"
GROUPS = ("model", "workspace_id", "api_key_id", "service_tier", "context_window",
          "inference_geo", "speed", "product")  # fmt: skip
ALL_MODELS = "(all models)"


def span(bucket: Mapping[str, Any]) -> tuple[datetime, datetime]:
    return buckets.rfc3339(bucket, "starting_at"), buckets.rfc3339(bucket, "ending_at")


def _record(r: Mapping[str, Any], start: datetime, end: datetime, origin: str) -> UsageRecord:
    cache = r.get("cache_creation")
    if not isinstance(cache, Mapping):
        raise ValueError("cache_creation missing")
    write_5m = buckets.whole(cache, "ephemeral_5m_input_tokens")
    write_1h = buckets.whole(cache, "ephemeral_1h_input_tokens")
    tools = r.get("server_tool_use")
    requests = r.get("requests")
    return UsageRecord(
        source=SOURCE,
        key=buckets.group_key(start, end, r, GROUPS),
        ts=start,
        model=r.get("model") or ALL_MODELS,
        project=r.get("workspace_id"),
        origin=origin,
        input_tokens=buckets.whole(r, "uncached_input_tokens"),
        output_tokens=buckets.whole(r, "output_tokens"),
        cache_write_tokens=values.bounded("cache writes", write_5m + write_1h),
        cache_write_1h_tokens=write_1h,
        cache_read_tokens=buckets.whole(r, "cache_read_input_tokens"),
        web_search_requests=buckets.optional_whole(tools, "web_search_requests")
        if isinstance(tools, Mapping)
        else 0,
        bucket_s=buckets.span_s(start, end),
        requests=None if requests is None else buckets.whole(r, "requests"),
    )


IMPORTER = buckets.PageImporter(
    SOURCE,
    "Anthropic Admin API usage report pages (usage_report/messages) saved as JSON",
    span,
    _record,
)
