"""API-equivalent price of an imported call, from the catalog in force on the call's day.

The catalog's card prices cache writes at the 5-minute rate; Anthropic bills 1-hour cache
writes at twice the base input rate, so those tokens get the difference added (on the
card that applies to the call, the long-context one included). A model the catalog has
no price for gives ``None`` (unknown), never $0. A record whose source states its cost (a
provider's cost report) keeps that figure.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from fulcrum.catalog.prices import PriceCard, TokenUsage
from fulcrum.usage.records import UsageRecord

MILLION = Decimal(1_000_000)
ONE_HOUR_WRITE_FACTOR = Decimal(2)


class Prices(Protocol):
    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> PriceCard | None: ...


def token_usage(r: UsageRecord) -> TokenUsage:
    return TokenUsage(
        input_tokens=r.input_tokens,
        output_tokens=r.output_tokens,
        cache_read_tokens=r.cache_read_tokens,
        cache_write_tokens=r.cache_write_tokens,
    )


def record_cost(card: PriceCard | None, r: UsageRecord) -> Decimal | None:
    """The call's cost at ``card``; ``None`` when the card is unknown."""
    if card is None:
        return None
    usage = token_usage(r)
    cost = card.cost(usage)
    if cost is None:
        return None
    if r.cache_write_1h_tokens:
        applied = card.applied(usage)
        write = applied.input if applied.cache_write is None else applied.cache_write
        premium = applied.input * ONE_HOUR_WRITE_FACTOR - write
        cost += Decimal(r.cache_write_1h_tokens) * premium / MILLION
    return cost


class Pricer:
    """Prices records, looking each (model, day) up once."""

    def __init__(self, catalog: Prices) -> None:
        self.catalog = catalog
        self._cards: dict[tuple[str, date], PriceCard | None] = {}

    def cost(self, r: UsageRecord) -> Decimal | None:
        if r.cost_usd is not None:  # a cost report's own figure
            return r.cost_usd
        key = (r.model, r.ts.date())
        if key not in self._cards:
            self._cards[key] = self.catalog.price(r.model, at=r.ts)
        return record_cost(self._cards[key], r)
