from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.cli import main
from fulcrum.costs.machine import (
    DEFAULT_LIFE_YEARS,
    DEFAULT_USD_PER_KWH,
    HOURS_PER_YEAR,
    LocalMachine,
)
from fulcrum.costs.tco import TcoInput, tco
from fulcrum.errors import ConfigError
from fulcrum.ledger import LedgerRow, LedgerWriter, Pricer, open_store


class NoPrices:
    def price(self, model: str, provider: str | None = None, *, at: datetime | None = None) -> None:
        return None


# 3 years × 8,760 h = 26,280 h, so a $26,280 box costs exactly $1 per hour of its life.
ONE_DOLLAR_AN_HOUR = Decimal(26280)


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
        {"price_usd": 20000, "setup_hours": 10, "hourly_rate_usd": "628.0", "load_w": 0}
    )
    assert box.setup_usd == Decimal("6280.0")
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


SCENARIO = """
[scenario]
name = "one box"
horizon_years = 3
engineer_rate = 75
usd_per_kwh = 0.18

[api]
model = "claude-sonnet-4-6"
agents = 1
monthly_usd = 100

[[options]]
name = "box"
price_usd = 4000
setup_hours = 20
load_w = 450
idle_w = 60
duty = 0.25
"""


def test_a_month_of_ledger_rows_reconciles_with_fulcrum_tco(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """730 h (a TCO month: 8,760 h / 12) at 25% utilisation: 730 local calls of 15 busy
    minutes each, priced by the ledger writer into SQLite, plus the idle hours at idle power,
    come to what ``fulcrum tco`` says the month costs at ``duty = 0.25``."""
    scenario = tmp_path / "box.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    try:
        main(["tco", str(scenario), "--json"])
    except SystemExit as exc:
        assert not exc.code
    monthly = Decimal(json.loads(capsys.readouterr().out)["options"][0]["monthly"])

    box = LocalMachine(
        price_usd=Decimal(4000),
        setup_usd=Decimal(20 * 75),
        load_w=Decimal(450),
        idle_w=Decimal(60),
        usd_per_kwh=Decimal("0.18"),
    )
    month_s = HOURS_PER_YEAR / 12 * 3600
    start = datetime(2026, 11, 1, tzinfo=UTC)
    writer = LedgerWriter(open_store(None), Pricer(prices=NoPrices(), machine=box))
    for i in range(730):  # one call an hour, busy 900 s of it
        writer.submit(
            LedgerRow(
                ts=start + timedelta(hours=i),
                backend="box",
                backend_kind="local",
                model="qwen",
                busy_ms=900_000.0,
                duration_ms=900_000.0,
            )
        )
    writer.close()
    rows = open_store(None).rows()
    assert len(rows) == 730
    ledger_month = sum((r.cost_usd for r in rows if r.cost_usd is not None), Decimal(0))
    busy_s = Decimal(730 * 900)
    assert busy_s / month_s == Decimal("0.25")
    idle = box.idle_cost(month_s - busy_s)
    assert idle is not None
    assert ledger_month.quantize(Decimal("0.01")) == Decimal("52.98")
    assert (ledger_month + idle).quantize(Decimal("0.01")) == monthly == Decimal("173.47")
    # The same figure from the engine itself, unrounded: one model, no drift.
    engine = tco(
        TcoInput(
            name="box",
            hardware_usd=Decimal(4000),
            setup_hours=Decimal(20),
            load_w=Decimal(450),
            idle_w=Decimal(60),
            duty=Decimal("0.25"),
            usd_per_kwh=Decimal("0.18"),
        )
    )
    assert abs(engine.monthly - (ledger_month + idle)) < Decimal("1e-20")
