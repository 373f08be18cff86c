"""The Anthropic Console's usage CSV export (Usage page, Export).

Columns are found by name (:mod:`fulcrum.usage.importers.csvfile`): the date
(``usage_date_utc`` or ``date``), the model (``model_version`` or ``model``), and the token
columns under the Console's names or the Admin API's (uncached input, 5-minute and 1-hour
cache writes, cache reads, output), with workspace, API key, usage type and context window
as group columns when present. One row is one bucket record (a day, or an hour when the
date carries a time), priced from the catalog.
"""

from __future__ import annotations

from datetime import datetime

from fulcrum.usage.importers import csvfile, values
from fulcrum.usage.records import UsageRecord

SOURCE = "anthropic-console-usage"
ALIASES = {
    "date": ("usage_date_utc", "date", "day", "starting_at"),
    "end": csvfile.END,
    "model": ("model_version", "model"),
    "workspace": ("workspace", "workspace_name", "workspace_id"),
    "api_key": ("api_key", "api_key_name", "api_key_id"),
    "usage_type": ("usage_type", "service_tier"),
    "context_window": ("context_window",),
    "input": ("usage_input_tokens_no_cache", "uncached_input_tokens", "input_tokens"),
    "write_5m": ("usage_input_tokens_cache_write_5m", "ephemeral_5m_input_tokens",
                 "cache_creation_5m_input_tokens", "cache_write_5m_tokens"),
    "write_1h": ("usage_input_tokens_cache_write_1h", "ephemeral_1h_input_tokens",
                 "cache_creation_1h_input_tokens", "cache_write_1h_tokens"),
    "read": ("usage_input_tokens_cache_read", "cache_read_input_tokens", "cache_read_tokens"),
    "output": ("usage_output_tokens", "output_tokens"),
    "web_search": ("web_search_count", "web_search_requests"),
    "requests": ("requests", "request_count"),
}  # fmt: skip
REQUIRED = ("date", "model", "input", "output")
GROUPS = ("model", "workspace", "api_key", "usage_type", "context_window")


def _record(row: csvfile.Row, start: datetime, width: int, origin: str) -> UsageRecord:
    write_5m, write_1h = csvfile.count(row, "write_5m"), csvfile.count(row, "write_1h")
    if not row["model"].strip():
        raise ValueError("model is empty")
    return UsageRecord(
        source=SOURCE,
        key=csvfile.row_key(row, GROUPS),
        ts=start,
        model=row["model"].strip(),
        project=row.get("workspace", "").strip() or None,
        origin=origin,
        input_tokens=csvfile.count(row, "input"),
        output_tokens=csvfile.count(row, "output"),
        cache_write_tokens=values.bounded("cache writes", write_5m + write_1h),
        cache_write_1h_tokens=write_1h,
        cache_read_tokens=csvfile.count(row, "read"),
        web_search_requests=csvfile.count(row, "web_search"),
        bucket_s=width,
        requests=csvfile.count(row, "requests") if "requests" in row else None,
    )


IMPORTER = csvfile.CsvImporter(
    SOURCE,
    "the Anthropic Console's usage CSV export",
    ALIASES,
    REQUIRED,
    _record,
)
