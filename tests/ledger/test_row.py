from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import cast

import pytest

from fulcrum.errors import InputError
from fulcrum.ledger.attempts import Attempt, attempts_to_json, dump_attempts, load_attempts
from fulcrum.ledger.row import (
    COLUMNS,
    MONEY_FIELDS,
    LedgerRow,
    format_ts,
    new_row_id,
    parse_ts,
    row_from_values,
    row_values,
)

from .conftest import FAILOVER_ATTEMPTS

RowFactory = Callable[..., LedgerRow]


def test_defaults_give_unique_ids_and_utc_time(make_row: RowFactory) -> None:
    a, b = make_row(), make_row()
    assert a.id != b.id
    for row in (a, b):  # 32 hex digits of a version-7 (time-ordered) UUID
        parsed = uuid.UUID(hex=row.id)
        assert (parsed.hex, parsed.version, parsed.variant) == (row.id, 7, uuid.RFC_4122)
    assert a.ts.tzinfo is not None
    assert a.ts.utcoffset() == timedelta(0)
    assert a.cost_usd is None
    assert a.request_body is None
    assert a.source == "gateway"


def test_other_zones_are_converted_to_utc(make_row: RowFactory) -> None:
    plus2 = timezone(timedelta(hours=2))
    row = make_row(ts=datetime(2026, 3, 1, 1, 30, tzinfo=plus2))
    assert row.ts == datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    assert row.ts.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("ts", datetime(2026, 1, 1), "LedgerRow.ts"),
        ("backend_kind", "cloud", "LedgerRow.backend_kind"),
        ("source", "manual", "LedgerRow.source"),
        ("input_tokens", -1, "LedgerRow.input_tokens"),
        ("output_tokens", 1.5, "LedgerRow.output_tokens"),
        ("tool_repairs", True, "LedgerRow.tool_repairs"),
        ("cost_usd", 0.01, "LedgerRow.cost_usd"),
    ],
)
def test_bad_fields_name_the_field(
    make_row: RowFactory, field: str, value: object, needle: str
) -> None:
    with pytest.raises(InputError, match=needle):
        make_row(**{field: value})


def test_values_round_trip_for_both_dialects(make_row: RowFactory) -> None:
    row = make_row(
        session="s1",
        stream=True,
        cost_usd=Decimal("0.000123456789012345"),
        counterfactual_usd=Decimal("0.0045"),
        saving_usd=Decimal("0.004376543210987655"),
        request_body='{"model": "x"}',
        ttft_ms=12.5,
        attempts=FAILOVER_ATTEMPTS,
    )
    for text_time in (True, False):
        values = row_values(row, text_time=text_time)
        assert len(values) == len(COLUMNS)
        assert row_from_values(values) == row
    text = dict(zip(COLUMNS, row_values(row, text_time=True), strict=True))
    assert text["cost_usd"] == "0.000123456789012345"
    assert text["stream"] == 1
    assert isinstance(text["ts"], str)
    assert text["ts"].endswith("Z")


def test_total_tokens_and_with_costs(make_row: RowFactory) -> None:
    row = make_row(input_tokens=10, output_tokens=5, cache_read_tokens=100, cache_write_tokens=7)
    assert row.total_tokens == 122
    priced = row.with_costs(Decimal(1), None, None)
    assert priced.cost_usd == Decimal(1)
    assert priced.counterfactual_usd is None
    assert priced.id == row.id
    assert dataclasses.replace(priced, cost_usd=None) == row  # nothing else changed
    with pytest.raises(InputError, match="saving_usd"):
        row.with_costs(None, None, cast(Decimal, 1.5))


def test_attempts_json_has_every_field() -> None:
    pooled = Attempt("b", "m", 503, "HTTP 503", 0.5, 12.0, replica="h:8081", queue_ms=3.5)
    assert attempts_to_json([pooled]) == [dataclasses.asdict(pooled)]
    plain = Attempt("b", "m", 200, None, 0.5, 12.0)  # not a pool's: no replica fields stored
    assert attempts_to_json([plain]) == [
        {k: v for k, v in dataclasses.asdict(plain).items() if k not in ("replica", "queue_ms")}
    ]
    assert load_attempts(dump_attempts((pooled, plain))) == (pooled, plain)


def test_ids_start_with_their_millisecond_so_later_rows_sort_after() -> None:
    """Inserts land at the end of the id index: an id made later sorts after (ms apart)."""
    before = time.time_ns() // 1_000_000
    ids = []
    for _ in range(5):
        ids.append(new_row_id())
        time.sleep(0.002)
    after = time.time_ns() // 1_000_000
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    for made in ids:
        assert before <= int(made[:12], 16) <= after  # the first 48 bits: Unix milliseconds


def test_with_costs_copies_every_other_field_and_keeps_a_row_already_priced() -> None:
    """Every field but the three amounts is the row's (each set here to a non-default)."""
    values: dict[str, object] = {
        "session": "s", "client": "c", "client_key": "k", "route": "b/m", "route_reason": "alias:m",
        "backend": "b", "backend_kind": "local", "provider": "p", "model": "m",
        "endpoint": "/v1/messages", "stream": True, "status": 201, "error": "e",
        "input_tokens": 1, "output_tokens": 2, "cache_read_tokens": 3, "cache_write_tokens": 4,
        "ttft_ms": 5.0, "duration_ms": 6.0, "decode_tps": 7.0, "busy_ms": 8.0,
        "tool_repairs": 9, "tool_retries": 10, "attempts": FAILOVER_ATTEMPTS,
        "context_tokens": 11, "rule": "r", "frontier_score": 0.5, "threshold": 0.6,
        "decision": "{}", "request_body": "q", "response_body": "a", "source": "eval",
    }  # fmt: skip
    row = LedgerRow(**values)  # type: ignore[arg-type]
    assert set(values) | {"id", "ts", *MONEY_FIELDS} == set(COLUMNS)
    priced = row.with_costs(Decimal("0.10"), Decimal("0.30"), Decimal("0.20"))
    assert priced == dataclasses.replace(
        row,
        cost_usd=Decimal("0.10"),
        counterfactual_usd=Decimal("0.30"),
        saving_usd=Decimal("0.20"),
    )
    assert priced is not row and row.cost_usd is None
    again = priced.with_costs(priced.cost_usd, priced.counterfactual_usd, priced.saving_usd)
    assert again is priced  # priced twice (a budget's settling, then the writer): no copy


@pytest.mark.parametrize(
    "ts",
    [
        datetime(2026, 12, 1, 14, 4, 4, 123, tzinfo=UTC),
        datetime(2026, 12, 1, 15, 4, 4, 123, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 12, 1, 9, 4, 4, 123, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_timestamps_are_fixed_width_utc_text_from_any_zone(ts: datetime) -> None:
    assert format_ts(ts) == "2026-12-01T14:04:04.000123Z"
    assert parse_ts(format_ts(ts)) == ts
    assert format_ts(ts.replace(microsecond=0)) == "2026-12-01T14:04:04.000000Z"
