"""Golden tests: every figure of the two seed articles, through the seeds' own inputs.

Where a seed's arithmetic is inconsistent the test asserts the seed's figure from its inputs
and the corrected figure beside it (docs/seeds.md shows both)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.capability import capability_tax, local_failure_rate
from fulcrum.costs.spend import (
    UsageProfile,
    WakeFilter,
    api_spend,
    break_even_month,
    cost_equivalence_agents,
    hybrid,
    per_seat,
    simple_payback_months,
    wake_filter,
)
from fulcrum.costs.tco import TcoInput, amortization_monthly, electricity_usd, tco
from fulcrum.costs.throughput import Workload, decode_ceiling, estimate

SEED_CARD = load_catalog().price("seed-frontier")

# seed 000: (hardware, setup hours, stated electricity, maintenance hours/yr)
TIERS = {
    "RTX 5090": (D(2600), D(40), D(1400), D(10)),
    "DGX Spark": (D(4000), D(20), D(1200), D(20) / 3),
    "AMD Strix Halo": (D(2200), D(40), D(1000), D(10)),
}
EXPECTED = {"RTX 5090": (9250, 257), "DGX Spark": (8200, 228), "AMD Strix Halo": (8450, 235)}


def _tier(name: str) -> TcoInput:
    hw, setup, power, maint = TIERS[name]
    return TcoInput(
        name=name,
        hardware_usd=hw,
        setup_hours=setup,
        rate_usd_per_hour=D(75),
        avg_w=D(450),
        usd_per_kwh=D("0.1729"),
        electricity_usd=power,
        maintenance_hours_per_year=maint,
    )


@pytest.mark.parametrize("name", list(TIERS))
def test_seed000_three_year_tco_and_monthly(name: str) -> None:
    result = tco(_tier(name))
    total, monthly = EXPECTED[name]
    assert round(result.total) == total
    assert round(result.monthly) == monthly
    # the seed's electricity line does not follow from its "450 W avg": 450 W x 3 years at
    # the 2025 US residential average is $2,045 for every tier
    assert round(result.electricity_computed) == 2045


def test_seed000_setup_and_maintenance_lines() -> None:
    rtx = tco(_tier("RTX 5090"))
    assert (rtx.setup, rtx.maintenance) == (D(3000), D(2250))
    spark = tco(_tier("DGX Spark"))
    assert spark.setup == D(1500) and round(spark.maintenance) == 1500


def test_seed000_heavy_user_payback_about_20_months() -> None:
    spark = tco(_tier("DGX Spark"))
    seed_payback = simple_payback_months(spark.total, D(400))
    assert seed_payback is not None and round(seed_payback) == 20  # 8,200 / 400 = 20.5
    corrected = break_even_month(spark.upfront, spark.running_monthly, D(400))
    assert corrected is not None and round(corrected, 1) == D("16.9")


def test_seed000_three_developers_share_a_dgx_spark() -> None:
    assert round(per_seat(tco(_tier("DGX Spark")).monthly, 3)) == 76  # seed: ~$75


def test_seed000_hybrid_150_to_200_on_top_of_230() -> None:
    low, high = hybrid(D(500), D(230), D("0.7")), hybrid(D(500), D(230), D("0.6"))
    assert (low.api_monthly, high.api_monthly) == (D(150), D(200))
    assert D(380) <= low.total_monthly <= high.total_monthly <= D(430)


def test_seed003_three_agent_api_example() -> None:
    assert SEED_CARD is not None
    spend = api_spend(UsageProfile(3, 1_500_000, 400_000), SEED_CARD)
    assert spend.daily == D("39.6")  # $18 input + $21.6 output, "~$40/day"
    assert round(spend.monthly, -2) == 1200  # 1,188


def test_seed003_rework_cost() -> None:
    tax = capability_tax(D(100), D("0.20"), D(10), D(100))
    assert round(tax.daily) == 333
    assert round(tax.monthly) == 10000


def test_seed003_failure_mappings() -> None:
    seven = local_failure_rate(D("0.20"), D("79.6"), D("72.6"), "linear")
    assert seven - D("0.20") == D("0.09")  # "7 points ~ 9% more failures"
    halved = local_failure_rate(D("0.20"), D("79.6"), D("39.8"), "score_ratio")
    assert halved == D("0.40")  # half the score doubles failures: 20% -> 40%
    # with the seed's actual 50 vs 79.6 the mappings give 31.8% and 49.0%, not 40%
    assert round(local_failure_rate(D("0.2"), D("79.6"), D(50), "score_ratio"), 3) == D("0.318")
    assert round(local_failure_rate(D("0.2"), D("79.6"), D(50), "failure_ratio"), 3) == D("0.490")


def test_seed003_wake_filter() -> None:
    assert SEED_CARD is not None
    result = wake_filter(WakeFilter(1900, 500, 50, agents=5), SEED_CARD, D("0.17"))
    assert result.api_per_agent.daily == D("5.51")  # $3.80 + $1.71, "~$5.50/day"
    assert round(result.api_per_agent.monthly) == 165
    assert round(result.api_fleet.monthly, -1) == 830  # seed: 5 x $165 = $825


def test_seed003_mac_studio_amortization_and_payback() -> None:
    assert round(amortization_monthly(D(9500), D(5))) == 158
    assert round(amortization_monthly(D(9500), D(3))) == 264  # seed: "roughly $265"
    assert round(simple_payback_months(D(9500), D(1188)) or 0) == 8


def test_seed003_cost_equivalence_one_to_three_agents() -> None:
    all_in = D(170)  # "~$160-180/month all-in"
    assert cost_equivalence_agents(all_in, D(200)) < 1 < cost_equivalence_agents(all_in, D(50))
    assert round(cost_equivalence_agents(all_in, D(50))) == 3


def test_seed003_power_50_to_200_per_year() -> None:
    # 50 W idle / 200 W load, 8 h/day under load, at $0.06-$0.23/kWh
    avg = D(200) * D(8) / D(24) + D(50) * D(16) / D(24)
    assert 50 <= round(electricity_usd(avg, D(1), D("0.06"))) < 60
    assert 190 < round(electricity_usd(avg, D(1), D("0.23"))) <= 205


def test_seed003_decode_ceiling_and_wait() -> None:
    assert round(decode_ceiling(100, 35e9)) == 3  # 2.86 tok/s
    assert round(500 / 2.7 / 60) == 3  # 185 s: "three minutes per call"
    calibrated = estimate(Workload(35, 70, 70), 100, backend="cuda")
    assert calibrated.decode_tokens_per_s < calibrated.decode_ceiling_tokens_per_s


def test_seed003_uplift_15_to_30_percent() -> None:
    base = TcoInput("Mac Studio", D(9500), horizon_years=D(5))
    low = tco(TcoInput("Mac Studio", D(9500), horizon_years=D(5), uplift=D("0.15")))
    high = tco(TcoInput("Mac Studio", D(9500), horizon_years=D(5), uplift=D("0.30")))
    assert round(tco(base).monthly) == 158
    assert (round(low.monthly), round(high.monthly)) == (182, 206)  # seed: "$180-200"


def test_seed003_cheaper_tier_tax_is_not_a_few_hundred() -> None:
    per_point = capability_tax(D(100), D("0.01"), D(10), D(100))
    assert per_point.monthly == D(500)  # each point of extra failures: $500/month
    linear = local_failure_rate(D("0.20"), D("79.6"), D("73.1"), "linear")
    ratio = local_failure_rate(D("0.20"), D("79.6"), D("73.1"), "failure_ratio")
    assert round(capability_tax(D(100), linear - D("0.2"), D(10), D(100)).monthly) == 4179
    assert round(capability_tax(D(100), ratio - D("0.2"), D(10), D(100)).monthly) == 3186
