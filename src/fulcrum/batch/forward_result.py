"""A provider batch's answer for one item, as the item's result and its ledger row.

The result is written in the client's format, as a local item's is: a succeeded answer is
converted from the backend's format when the two differ; an errored one keeps the provider's
error body when the formats match, and is the gateway's error in the client's shape when they
do not; an item the provider never ran ends ``expired`` (or ``canceled``), with no row.

The row is real API spend, not a counterfactual: the backend's model at its provider's price
for the tokens used, times one minus the provider's batch discount (``discounts.toml``); no
known discount leaves the cost unknown rather than claiming the interactive price. The
counterfactual is the reference model at its batch price, as for every batch item. The row's
``route_reason`` is ``batch-forward`` and its ``decision`` is
``{"forwarded": {"backend": ..., "provider_batch_id": ...}}``.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fulcrum.batch.apis import BatchApi
from fulcrum.batch.discounts import ONE, batch_counterfactual, discounts
from fulcrum.batch.forward import REASON
from fulcrum.batch.forward_store import Finished
from fulcrum.batch.providers import Outcome
from fulcrum.batch.queue import Claimed
from fulcrum.errors import FulcrumError, UpstreamError
from fulcrum.gateway.answer.translate import (
    answer_error,
    client_body,
    upstream_client_error,
    usage_of,
)
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.row import LedgerRow
from fulcrum.routing.router import RouteTarget
from fulcrum.wire.maps import error_message
from fulcrum.wire.usage import TokenUsage

CLIENT = "fulcrum-batch"


@dataclass(frozen=True, slots=True)
class Forwarded:
    """One item of a provider batch: where it went."""

    api: BatchApi
    item: Claimed
    backend: Backend
    target: RouteTarget
    forward_id: str


def finished(at: Forwarded, outcome: Outcome | None) -> Finished:
    """The item's end (``outcome`` None: the provider's results did not mention it)."""
    if outcome is None:
        message = f"provider batch {at.forward_id} returned no result for this item"
        return _errored(at, UpstreamError(message))
    if outcome.kind not in ("succeeded", "errored"):
        return Finished(at.item.id, outcome.kind, None, None, None)
    if outcome.kind == "errored":
        return _provider_error(at, outcome)
    model = str(at.item.body.get("model", "")) or at.target.model
    fmt = at.backend.format
    try:
        answer = json.loads(client_body(at.api.fmt, fmt, outcome.body, model, at.item.body))
    except (ValueError, KeyError, TypeError) as exc:
        return _errored(at, answer_error(at.backend.name, exc))
    row = _row(at, status=200, usage=usage_of(fmt, outcome.body))
    return Finished(at.item.id, "succeeded", outcome.status or 200, answer, row)


def _provider_error(at: Forwarded, outcome: Outcome) -> Finished:
    status = outcome.status
    if status is None or status >= 500:
        error = UpstreamError(f"{at.backend.name}: {error_message(outcome.body)}")
        return _errored(at, error, status)
    refused = upstream_client_error(status, outcome.body)
    result: dict[str, Any] = at.api.error_result(refused)
    if at.backend.format is at.api.fmt:
        with contextlib.suppress(ValueError):
            result = json.loads(outcome.body)  # the provider's own error body
    row = _row(at, status=status, error=refused.message)
    return Finished(at.item.id, "errored", status, result, row)


def _errored(at: Forwarded, error: FulcrumError, status: int | None = None) -> Finished:
    code = status or error.status
    row = _row(at, status=code, error=error.message)
    return Finished(at.item.id, "errored", code, at.api.error_result(error), row)


def _row(
    at: Forwarded, *, status: int, usage: TokenUsage | None = None, error: str | None = None
) -> LedgerRow:
    used = usage or TokenUsage(0, 0)
    backend, target = at.backend, at.target
    decision = {"forwarded": {"backend": backend.name, "provider_batch_id": at.forward_id}}
    return LedgerRow(
        id=at.item.id, session=at.item.batch_id, client=CLIENT, route=target.label,
        route_reason=REASON, backend=backend.name, backend_kind="api",
        provider=backend.config.provider or None, model=target.model,
        endpoint=at.api.endpoint, status=status, error=error, input_tokens=used.input_tokens,
        output_tokens=used.output_tokens, cache_read_tokens=used.cache_read_tokens,
        cache_write_tokens=used.cache_write_tokens,
        decision=json.dumps(decision, separators=(",", ":")),
    )  # fmt: skip


def forwarded_cost(pricer: Pricer, row: LedgerRow) -> Decimal | None:
    """The row's API spend at its provider's batch price (None: unknown)."""
    entry = discounts().get(row.provider or "")
    usage = TokenUsage(row.input_tokens, row.output_tokens, row.cache_read_tokens,
                       row.cache_write_tokens)  # fmt: skip
    full = pricer.api_cost(row.model, row.provider, usage, row.ts)
    if entry is None or full is None:
        return None
    return full * (ONE - entry.discount)


def priced(pricer: Pricer | None, row: LedgerRow) -> LedgerRow:
    """The row with its batch-price cost, the batch counterfactual and the saving."""
    if pricer is None:
        return row
    cost = forwarded_cost(pricer, row)
    usage = TokenUsage(row.input_tokens, row.output_tokens, row.cache_read_tokens,
                       row.cache_write_tokens)  # fmt: skip
    counterfactual = batch_counterfactual(pricer, usage, row.ts)
    saving = None if cost is None or counterfactual is None else counterfactual - cost
    return row.with_costs(cost, counterfactual, saving)
