from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from fulcrum.ledger import LedgerRow, LocalMachine, Pricer
from fulcrum.ledger import pricing as pricing_module

from .conftest import FakePrices

RowFactory = Callable[..., LedgerRow]
REFERENCE = Decimal("0.0045")  # 1,000 in × $3/M + 100 out × $15/M


def _box() -> LocalMachine:
    # $1 per hour of life plus 1 kW at $0.25/kWh: $1.25 per busy hour.
    return LocalMachine(price_usd=Decimal(26280), load_w=Decimal(1000), usd_per_kwh=Decimal("0.25"))


def test_api_call_is_priced_from_the_catalog(fake_prices: FakePrices, make_row: RowFactory) -> None:
    pricer = Pricer(fake_prices)
    row = pricer.price(make_row(model="cheap-model", provider="acme"))
    assert row.cost_usd == Decimal("0.0012")
    assert row.counterfactual_usd == REFERENCE
    assert row.saving_usd == Decimal("0.0033")


def test_local_call_is_priced_from_the_machine(
    fake_prices: FakePrices, make_row: RowFactory
) -> None:
    pricer = Pricer(fake_prices, machine=_box())
    row = pricer.price(make_row(backend_kind="local", model="qwen3", duration_ms=36_000.0))
    assert row.cost_usd == Decimal("0.0125")
    assert row.counterfactual_usd == REFERENCE
    assert row.saving_usd == REFERENCE - Decimal("0.0125")
    assert row.saving_usd < 0  # a slow local call can cost more than the frontier


def test_unknown_prices_stay_unknown_never_zero(
    fake_prices: FakePrices, make_row: RowFactory
) -> None:
    pricer = Pricer(fake_prices, machine=_box())
    api = pricer.price(make_row(model="mystery-model", provider="nobody"))
    assert api.cost_usd is None
    assert api.counterfactual_usd == REFERENCE
    assert api.saving_usd is None
    local = pricer.price(make_row(backend_kind="local", model="qwen3", duration_ms=None))
    assert local.cost_usd is None
    no_machine = Pricer(fake_prices).price(make_row(backend_kind="local", model="qwen3"))
    assert no_machine.cost_usd is None
    no_reference = Pricer(fake_prices, reference_model="unpriced-ref").price(make_row())
    assert no_reference.counterfactual_usd is None
    assert no_reference.cost_usd == REFERENCE


def test_amounts_already_on_the_row_are_kept(fake_prices: FakePrices, make_row: RowFactory) -> None:
    row = Pricer(fake_prices).price(make_row(cost_usd=Decimal("9"), source="eval"))
    assert row.cost_usd == Decimal(9)
    assert row.saving_usd == REFERENCE - Decimal(9)


def test_price_cards_are_looked_up_once(fake_prices: FakePrices, make_row: RowFactory) -> None:
    pricer = Pricer(fake_prices)
    for _ in range(5):
        pricer.price(make_row(model="cheap-model", provider="acme"))
    assert fake_prices.lookups.count(("cheap-model", "acme")) == 1
    assert fake_prices.lookups.count(("claude-sonnet-4-6", None)) == 1


def test_catalog_that_fails_to_load_leaves_prices_unknown(
    monkeypatch: pytest.MonkeyPatch, make_row: RowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> pricing_module.PriceSource:
        raise RuntimeError("catalog file is corrupt")

    monkeypatch.setattr(pricing_module, "load_catalog_prices", broken)
    row = Pricer().price(make_row())
    assert (row.cost_usd, row.counterfactual_usd, row.saving_usd) == (None, None, None)
    assert "price catalog failed to load" in caplog.text


def test_from_config_builds_the_machine(fake_prices: FakePrices, make_row: RowFactory) -> None:
    pricer = Pricer.from_config(
        {"price_usd": 26280, "load_w": 1000, "usd_per_kwh": "0.25"},
        reference_model="claude-sonnet-4-6",
        prices=fake_prices,
    )
    assert pricer.machine is not None
    row = pricer.price(make_row(backend_kind="local", duration_ms=3_600_000.0))
    assert row.cost_usd == Decimal("1.25")
    assert Pricer.from_config({}, prices=fake_prices).machine is None


def test_default_prices_come_from_the_project_catalog(make_row: RowFactory) -> None:
    row = Pricer().price(make_row(model="claude-sonnet-4-6", provider="anthropic"))
    assert row.cost_usd == REFERENCE  # $3 in / $15 out per million
    assert row.counterfactual_usd == REFERENCE
    assert row.saving_usd == 0
    unknown = Pricer().price(make_row(model="no-such-model-xyz", provider="nobody"))
    assert unknown.cost_usd is None


def test_machine_from_a_catalog_hardware_id(make_row: RowFactory) -> None:
    pricer = Pricer.from_config({"hardware": "rtx-5090", "usd_per_kwh": "0.20"})
    assert pricer.machine is not None
    assert pricer.machine.price_usd is not None
    assert pricer.machine.load_w is not None
    hours = Decimal(1)
    expected = (
        pricer.machine.price_usd / (3 * Decimal(8760))
        + pricer.machine.load_w * Decimal("0.20") / 1000
    )
    row = pricer.price(make_row(backend_kind="local", duration_ms=float(hours * 3_600_000)))
    assert row.cost_usd == expected
    assert row.counterfactual_usd == REFERENCE
