from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.catalog import PriceCard, TokenUsage, load_catalog
from fulcrum.catalog.prices import genai_price
from fulcrum.errors import ConfigError

WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_genai_prices_card_for_anthropic_model() -> None:
    card = load_catalog().price("claude-sonnet-4-6", at=WHEN)
    assert card is not None
    assert (card.provider, card.input, card.output) == ("anthropic", Decimal(3), Decimal(15))
    assert (card.cache_read, card.cache_write) == (Decimal("0.3"), Decimal("3.75"))
    assert card.source.startswith("genai-prices")
    assert card.as_of == "2026-11-20"


def test_unknown_model_is_none_never_zero() -> None:
    cat = load_catalog()
    assert cat.price("no-such-model-xyz") is None
    assert cat.price("claude-sonnet-4-6", "no-such-provider") is None


def test_cost_with_cache_tokens() -> None:
    card = load_catalog().price("claude-opus-5-5", "anthropic", at=WHEN)
    assert card is not None
    usage = TokenUsage(1_000_000, 100_000, cache_read_tokens=1_000_000, cache_write_tokens=200_000)
    # 4 + 20*0.1 + 0.2 + 5*0.2
    assert card.cost(usage) == Decimal("7.2")


def test_long_context_tier_applies_to_whole_call() -> None:
    card = load_catalog().price("claude-sonnet-4-5", at=WHEN)
    assert card is not None and card.long_context_threshold == 200_000
    short = card.cost(TokenUsage(100_000, 0))
    long = card.cost(TokenUsage(300_000, 0))
    assert short == Decimal("0.3")
    assert long == Decimal("1.8")  # 300k x $6/M: the cliff rate on every token


def test_override_replaces_stale_genai_entry() -> None:
    card = load_catalog().price("deepseek-v3.2")
    assert card is not None
    assert (card.input, card.output) == (Decimal("0.28"), Decimal("0.42"))
    assert "LiteLLM" in card.source and card.as_of


def test_every_csv_sourced_genai_price_matches_package() -> None:
    cat = load_catalog()
    for mid in ("claude-sonnet-4-5", "claude-opus-4-5", "gpt-5", "gpt-5.2", "glm-4.6"):
        spec = cat.models[mid]
        card = genai_price(spec.price_model, spec.price_provider, WHEN)
        assert card is not None, mid
        assert card.input > 0 and card.output > card.input


def test_missing_cache_price_bills_at_input_rate() -> None:
    card = PriceCard("m", "p", Decimal(2), Decimal(8), None, None, "test", "2026-01-01")
    assert card.cost(TokenUsage(0, 0, cache_read_tokens=500_000)) == Decimal(1)


def test_user_override_adds_price(tmp_path: Path) -> None:
    f = tmp_path / "cat.toml"
    f.write_text(
        '[prices."my-model"."local-vendor"]\n'
        'input = "1.5"\noutput = "6"\nsource = "invoice 2026-10"\nas_of = "2026-10-01"\n'
    )
    card = load_catalog(f).price("my-model")
    assert card is not None and card.input == Decimal("1.5") and card.source == "invoice 2026-10"


def test_user_override_missing_source_names_field(tmp_path: Path) -> None:
    f = tmp_path / "cat.toml"
    f.write_text('[prices."my-model"."v"]\ninput = 1\noutput = 2\nas_of = "2026-10-01"\n')
    with pytest.raises(ConfigError) as err:
        load_catalog(f)
    assert "prices.my-model.v.source" in err.value.message
    assert str(f) in err.value.message


def test_catalog_prices_match_reference_models_csv() -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "reference" / "models.csv"
    cat = load_catalog()
    by_name = {m.name: m for m in cat.models.values()}
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    checked = 0
    for row in rows:
        if "before 2026-12-01" in row["price_tier_notes"]:
            continue  # a dated price change: checked by its own date elsewhere
        card = cat.price(by_name[row["model"]].id, at=WHEN)
        assert card is not None, row["model"]
        assert card.input == Decimal(row["input_usd_per_mtok"]), row["model"]
        assert card.output == Decimal(row["output_usd_per_mtok"]), row["model"]
        checked += 1
    assert checked >= 45
