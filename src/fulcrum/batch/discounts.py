"""The providers' batch discounts (sourced, dated data in ``discounts.toml``) and the
counterfactual of a batch item: the reference model's price at its provider's batch discount.

A provider without an entry has no known batch price: the counterfactual is then unknown
(``None``), never the interactive price, so no saving is claimed that a batch API would not give.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources

from fulcrum.catalog.prices import TokenUsage
from fulcrum.ledger.pricing import Pricer
from fulcrum.tables import Table

ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class BatchDiscount:
    provider: str
    discount: Decimal  # fraction off the interactive price, 0..1
    source: str
    as_of: str


@cache
def discounts() -> dict[str, BatchDiscount]:
    """provider -> its batch discount, from the bundled table."""
    text = resources.files("fulcrum.batch").joinpath("discounts.toml").read_text("utf-8")
    root = Table(tomllib.loads(text), "discounts.toml")
    out: dict[str, BatchDiscount] = {}
    for provider in root.data:
        entry = root.table(provider)
        entry.only("discount", "source", "as_of")
        out[provider] = BatchDiscount(
            provider=provider,
            discount=entry.req_decimal("discount", low=0, high=1),
            source=entry.text("source", required=True),
            as_of=entry.text("as_of", required=True),
        )
    return out


def batch_counterfactual(pricer: Pricer, usage: TokenUsage, at: datetime) -> Decimal | None:
    """The reference model's batch price for ``usage`` on ``at``'s day (``None``: unknown)."""
    model = pricer.reference_model
    if not model:
        return None
    card = pricer.card(model, pricer.reference_provider, at)
    provider = getattr(card, "provider", None) or pricer.reference_provider
    entry = discounts().get(provider) if provider else None
    if card is None or entry is None:
        return None
    full = card.cost(usage)
    return None if full is None else full * (ONE - entry.discount)
