"""The Anthropic Console's cost CSV export (Cost page, Export).

Columns found by name (:mod:`fulcrum.usage.importers.csvfile`): the date (``usage_date_utc``
or ``date``), the cost in dollars (``cost_usd``, ``cost``, ``amount_usd`` or
``total_cost_usd``; a column in cents is not guessed at), ``currency`` when present (only
USD is accepted), and ``model``, ``description``, ``cost_type``, ``token_type``,
``workspace``, ``service_tier`` as group columns when present. One row is one bucket record
carrying that stated cost and no tokens.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from fulcrum.usage.importers import csvfile
from fulcrum.usage.records import UsageRecord

SOURCE = "anthropic-console-cost"
ALIASES = {
    "date": ("usage_date_utc", "date", "day", "starting_at"),
    "end": csvfile.END,
    "cost": ("cost_usd", "cost", "amount_usd", "total_cost_usd"),
    "currency": ("currency",),
    "model": ("model_version", "model"),
    "description": ("description", "line_item"),
    "cost_type": ("cost_type", "type"),
    "token_type": ("token_type",),
    "workspace": ("workspace", "workspace_name", "workspace_id"),
    "service_tier": ("service_tier", "usage_type"),
}
REQUIRED = ("date", "cost")
GROUPS = ("model", "description", "cost_type", "token_type", "workspace", "service_tier")


def _cost(row: csvfile.Row) -> Decimal:
    currency = row.get("currency", "USD").strip() or "USD"
    if currency.upper() != "USD":
        raise ValueError(f"currency {currency!r} is not USD; amounts are not converted")
    text = row["cost"].replace(",", "").replace("$", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{row.column('cost')}: {row['cost']!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{row.column('cost')}: {row['cost']!r} is not a number")
    return value


def _record(row: csvfile.Row, start: datetime, width: int, origin: str) -> UsageRecord:
    label = next((row[f].strip() for f in ("model", "description", "cost_type")
                  if row.get(f, "").strip()), "(unattributed)")  # fmt: skip
    return UsageRecord(
        source=SOURCE,
        key=csvfile.row_key(row, GROUPS),
        ts=start,
        model=label,
        project=row.get("workspace", "").strip() or None,
        origin=origin,
        bucket_s=width,
        cost_usd=_cost(row),
    )


IMPORTER = csvfile.CsvImporter(
    SOURCE,
    "the Anthropic Console's cost CSV export",
    ALIASES,
    REQUIRED,
    _record,
)
