"""API prices: token usage, price cards, and the lookup behind ``Catalog.price``.

Prices come from the pinned ``genai-prices`` package (its bundled snapshot; no network),
overridden by the project's ``data/prices.toml`` where the package lags or lacks an entry,
and by a user's catalog file. Every card carries its source and date. An unknown model is
``None``, never a price of zero.

``TokenUsage.input_tokens`` counts *uncached* input tokens (the Anthropic convention);
cache reads and writes are counted separately. Callers with OpenAI-style usage subtract
``cached_tokens`` from ``prompt_tokens`` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import version
from typing import Any

from genai_prices import data_snapshot

from fulcrum.tables import Table

MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens of one call (or a day, or a month): uncached input, output, cache read/write."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def prompt_tokens(self) -> int:
        """Every input token, cached or not (what long-context price tiers count)."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens


@dataclass(frozen=True, slots=True)
class PriceCard:
    """USD per million tokens for one model at one provider, with its source and date.

    ``cache_read``/``cache_write`` of ``None`` mean the provider does not price them
    separately: such tokens are billed at the input rate. ``long_context`` holds the
    card that applies to the whole call once its prompt exceeds ``long_context_threshold``
    tokens (the cliff rule providers use).
    """

    model: str
    provider: str
    input: Decimal
    output: Decimal
    cache_read: Decimal | None
    cache_write: Decimal | None
    source: str
    as_of: str
    long_context_threshold: int | None = None
    long_context: PriceCard | None = None

    def applied(self, usage: TokenUsage) -> PriceCard:
        """The card that prices ``usage``: the long-context one above its threshold."""
        if (
            self.long_context is not None
            and self.long_context_threshold is not None
            and usage.prompt_tokens > self.long_context_threshold
        ):
            return self.long_context
        return self

    def cost(self, usage: TokenUsage, *, one_call: bool = True) -> Decimal | None:
        """Cost in USD of ``usage`` at this card's prices: one call's (its prompt decides
        the long-context card), or with ``one_call=False`` many calls' sum (a day, a month),
        at the base card: a day's tokens are not one long prompt."""
        card = self.applied(usage) if one_call else self
        read = card.input if card.cache_read is None else card.cache_read
        write = card.input if card.cache_write is None else card.cache_write
        total = (
            Decimal(usage.input_tokens) * card.input
            + Decimal(usage.output_tokens) * card.output
            + Decimal(usage.cache_read_tokens) * read
            + Decimal(usage.cache_write_tokens) * write
        )
        return total / MILLION

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "input": str(self.input),
            "output": str(self.output),
            "cache_read": None if self.cache_read is None else str(self.cache_read),
            "cache_write": None if self.cache_write is None else str(self.cache_write),
            "source": self.source,
            "as_of": self.as_of,
            "long_context_threshold": self.long_context_threshold,
        }


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    base = getattr(value, "base", value)  # TieredPrices -> its base price
    return Decimal(str(base))


def _tier(value: Any) -> tuple[int, Decimal] | None:
    tiers = getattr(value, "tiers", None)
    if not tiers:
        return None
    first = tiers[0]
    return int(first.start), Decimal(str(first.price))


def _long_context(
    model: str, provider: str, prices: Any, source: str, as_of: str
) -> PriceCard | None:
    names = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok")
    tiers = {name: _tier(getattr(prices, name, None)) for name in names}
    inp, out = tiers["input_mtok"], tiers["output_mtok"]
    if inp is None or out is None:
        return None
    read, write = tiers["cache_read_mtok"], tiers["cache_write_mtok"]
    return PriceCard(
        model=model,
        provider=provider,
        input=inp[1],
        output=out[1],
        cache_read=None if read is None else read[1],
        cache_write=None if write is None else write[1],
        source=source,
        as_of=as_of,
        long_context_threshold=inp[0],
    )


def genai_price(model: str, provider: str | None, at: datetime | None = None) -> PriceCard | None:
    """The card ``genai-prices`` holds for ``model`` at time ``at`` (default: now), or None."""
    when = at or datetime.now(tz=UTC)
    try:
        prov, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    except LookupError:
        return None
    prices = info.get_prices(when)
    inp, out = _decimal(getattr(prices, "input_mtok", None)), _decimal(prices.output_mtok)
    if inp is None or out is None:
        return None
    source = f"genai-prices {version('genai-prices')} bundled data, {prov.id}/{info.id}"
    as_of = when.date().isoformat()
    long_card = _long_context(info.id, prov.id, prices, source, as_of)
    return PriceCard(
        model=info.id,
        provider=prov.id,
        input=inp,
        output=out,
        cache_read=_decimal(getattr(prices, "cache_read_mtok", None)),
        cache_write=_decimal(getattr(prices, "cache_write_mtok", None)),
        source=source,
        as_of=as_of,
        long_context_threshold=None if long_card is None else long_card.long_context_threshold,
        long_context=long_card,
    )


def genai_provider(provider: str) -> str | None:
    """The ``genai-prices`` id of ``provider`` (ids and aliases: ``bedrock`` is ``aws``)."""
    found = data_snapshot.find_provider_by_id(data_snapshot.get_snapshot().providers, provider)
    return None if found is None else found.id


def genai_providers() -> list[str]:
    return [p.id for p in data_snapshot.get_snapshot().providers]


PRICE_KEYS = ("provider", "input", "output", "cache_read", "cache_write", "source", "as_of")


def card_from_table(model: str, t: Table) -> PriceCard:
    """Build an override card from a ``[prices.MODEL.PROVIDER]`` table."""
    t.only(*PRICE_KEYS)
    as_of = t.data.get("as_of")
    return PriceCard(
        model=model,
        provider=t.text("provider", required=True),
        input=t.req_decimal("input", low=0),
        output=t.req_decimal("output", low=0),
        cache_read=t.decimal("cache_read", low=0),
        cache_write=t.decimal("cache_write", low=0),
        source=t.text("source", required=True),
        as_of=str(as_of) if as_of else t.text("as_of", required=True),
    )


def override_key(model: str, provider: str | None) -> tuple[str, str | None]:
    return (model.lower(), provider.lower() if provider else None)


def lookup(
    overrides: Mapping[tuple[str, str | None], PriceCard],
    model: str,
    provider: str | None,
    at: datetime | None = None,
) -> PriceCard | None:
    """Overrides first (exact provider, then any provider), then genai-prices."""
    exact = overrides.get(override_key(model, provider))
    if exact is not None:
        return exact
    if provider is None:
        for (name, _prov), card in overrides.items():
            if name == model.lower():
                return card
    return genai_price(model, provider, at)
