from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from fulcrum.errors import ConfigError
from fulcrum.ledger.machine import DEFAULT_LIFE_YEARS, DEFAULT_USD_PER_KWH, LocalMachine

# 3 years × 8,766 h = 26,298 h, so a $26,298 box costs exactly $1 per hour of its life.
ONE_DOLLAR_AN_HOUR = Decimal(26298)


@dataclass(frozen=True)
class Tier:
    price_usd: Decimal | None
    load_w: float | None
    idle_w: float | None


def test_one_busy_hour_costs_amortization_plus_energy() -> None:
    box = LocalMachine(
        price_usd=ONE_DOLLAR_AN_HOUR, load_w=Decimal(1000), usd_per_kwh=Decimal("0.25")
    )
    assert box.usd_per_hour == Decimal(1)
    assert box.energy_cost(Decimal(3600)) == Decimal("0.25")
    assert box.cost(Decimal(3600)) == Decimal("1.25")
    assert box.cost(Decimal(36)) == Decimal("0.0125")
    assert box.cost(Decimal(0)) == Decimal(0)


def test_setup_is_amortized_with_the_hardware() -> None:
    box = LocalMachine.from_config(
        {"price_usd": 20000, "setup_hours": 10, "hourly_rate_usd": "629.8", "load_w": 0}
    )
    assert box.setup_usd == Decimal("6298.0")
    assert box.usd_per_hour == Decimal(1)
    assert box.life_years == DEFAULT_LIFE_YEARS
    assert box.usd_per_kwh == DEFAULT_USD_PER_KWH


def test_unknown_price_or_power_gives_unknown_cost() -> None:
    assert LocalMachine(price_usd=None, load_w=Decimal(300)).cost(Decimal(10)) is None
    assert LocalMachine(price_usd=Decimal(3000), load_w=None).cost(Decimal(10)) is None


def test_catalog_hardware_fills_missing_values_and_config_overrides() -> None:
    hardware = {"box-1": Tier(price_usd=Decimal(4000), load_w=450.0, idle_w=40.0)}
    box = LocalMachine.from_config(
        {"hardware": "box-1", "life_years": 5, "usd_per_kwh": "0.30"}, hardware
    )
    assert (box.price_usd, box.load_w, box.idle_w) == (Decimal(4000), Decimal(450), Decimal(40))
    assert box.life_years == Decimal(5)
    assert box.hardware == "box-1"
    override = LocalMachine.from_config({"hardware": "box-1", "price_usd": 100}, hardware)
    assert override.price_usd == Decimal(100)
    unpriced = {"box-2": Tier(price_usd=None, load_w=100.0, idle_w=None)}
    assert LocalMachine.from_config({"hardware": "box-2"}, unpriced).cost(Decimal(1)) is None


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"hardware": "nope"}, "machine.hardware"),
        ({"price": 1}, "machine.price"),
        ({"price_usd": "cheap"}, "machine.price_usd"),
        ({"load_w": -5}, "machine.load_w"),
        ({"usd_per_kwh": True}, "machine.usd_per_kwh"),
        ({"price_usd": 1, "life_years": 0}, "machine.life_years"),
    ],
)
def test_bad_config_names_the_field(section: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")) as info:
        LocalMachine.from_config(section, {}, file="gateway.toml")
    assert "gateway.toml" in info.value.message
