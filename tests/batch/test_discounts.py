"""The counterfactual of a batch item: the reference model at its provider's batch price."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fulcrum.batch.discounts import batch_counterfactual, discounts
from fulcrum.catalog.prices import PriceCard, TokenUsage
from fulcrum.ledger.pricing import Pricer

AT = datetime(2026, 7, 2, tzinfo=UTC)


class _Prices:
    def __init__(self, provider: str) -> None:
        self.card = PriceCard(model="ref", provider=provider, input=Decimal(3),
                              output=Decimal(15), cache_read=None, cache_write=None,
                              source="test", as_of="2026-07-02")  # fmt: skip

    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> PriceCard:
        return self.card


def test_each_discount_is_sourced_and_dated() -> None:
    table = discounts()
    assert set(table) >= {"anthropic", "openai"}
    for entry in table.values():
        assert Decimal(0) < entry.discount < Decimal(1)
        assert entry.source.startswith("https://") and len(entry.as_of) == 10


def test_the_counterfactual_is_the_batch_price_not_the_interactive_one() -> None:
    usage = TokenUsage(1_000_000, 1_000_000)
    pricer = Pricer(_Prices("anthropic"), reference_model="ref")
    interactive = pricer.api_cost("ref", None, usage, AT)
    assert interactive == Decimal(18)
    assert batch_counterfactual(pricer, usage, AT) == Decimal(9)  # 50% off at Anthropic


def test_a_provider_without_a_known_batch_price_claims_no_saving() -> None:
    pricer = Pricer(_Prices("nowhere"), reference_model="ref")
    assert batch_counterfactual(pricer, TokenUsage(1000, 1000), AT) is None
    assert batch_counterfactual(Pricer(_Prices("openai"), reference_model=None),
                                TokenUsage(1, 1), AT) is None  # fmt: skip
