"""OpenAI organization usage saved as JSON (``GET /v1/organization/usage/completions``; the
SDK's ``UsageCompletionsResponse``).

Buckets carry ``start_time``/``end_time`` (Unix seconds) and ``results`` of
``organization.usage.completions.result``: ``input_tokens`` (cached and cache-write tokens
included), ``input_cached_tokens``, ``input_cache_write_tokens`` and ``input_uncached_tokens``
where given, ``output_tokens``, ``num_model_requests``, grouped by ``model``, ``project_id``,
``api_key_id``, ``user_id``, ``batch``, ``service_tier``. Stored as bucket records: input is
the uncached part (``input_uncached_tokens``, else ``input_tokens`` less the cached and
cache-write tokens), ``project`` the project id, ``requests`` ``num_model_requests``. Batch
requests are priced at the standard rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fulcrum.usage.importers import buckets, values
from fulcrum.usage.records import UsageRecord

SOURCE = "openai-usage"
GROUPS = ("model", "project_id", "api_key_id", "user_id", "batch", "service_tier", "api_source")
COMPLETIONS = "organization.usage.completions.result"
ALL_MODELS = "(all models)"


def span(bucket: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start, end = (buckets.whole(bucket, n) for n in ("start_time", "end_time"))
    return values.unix_time("start_time", start), values.unix_time("end_time", end)


def _uncached(r: Mapping[str, Any], cached: int, writes: int) -> int:
    if r.get("input_uncached_tokens") is not None:
        return buckets.whole(r, "input_uncached_tokens")
    rest = buckets.whole(r, "input_tokens") - cached - writes
    if rest < 0:
        raise ValueError("input_cached_tokens exceed input_tokens")
    return rest


def _record(r: Mapping[str, Any], start: datetime, end: datetime, origin: str) -> UsageRecord:
    if r.get("object", COMPLETIONS) != COMPLETIONS:
        raise ValueError(f"object {r.get('object')!r} is not a completions result")
    cached = buckets.optional_whole(r, "input_cached_tokens")
    writes = buckets.optional_whole(r, "input_cache_write_tokens")
    return UsageRecord(
        source=SOURCE,
        key=buckets.group_key(start, end, r, GROUPS),
        ts=start,
        model=r.get("model") or ALL_MODELS,
        project=r.get("project_id"),
        origin=origin,
        input_tokens=_uncached(r, cached, writes),
        output_tokens=buckets.whole(r, "output_tokens"),
        cache_write_tokens=writes,
        cache_read_tokens=cached,
        bucket_s=buckets.span_s(start, end),
        requests=buckets.whole(r, "num_model_requests"),
    )


IMPORTER = buckets.PageImporter(
    SOURCE,
    "OpenAI organization usage pages (usage/completions) saved as JSON",
    span,
    _record,
)
