"""Option kinds and per-option figures: seats in a hybrid, per-developer cost, per-option
uncertainty."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.decision import Decision, OptionResult, decide
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.scenario import Scenario, load_scenario
from fulcrum.errors import InputError

CAT = load_catalog()
ROOT = Path(__file__).resolve().parents[2]
TWO_MODELS = """
[scenario]
name = "two models on one box type"
horizon_years = 3
engineer_rate = 100
usd_per_kwh = 0.17
as_of = "2026-07-01"

[api]
model = "claude-sonnet-4-6"
agents = 6
monthly_usd = 400

[[options]]
name = "Spark, Qwen3 Coder 30B"
hardware = "dgx-spark"
local_model = "qwen3-coder-30b-a3b"

[[options]]
name = "Spark, Devstral Small 2"
hardware = "dgx-spark"
local_model = "devstral-small-2-2512"

[capability]
dispatches_per_day = 20
baseline_failure_rate = 0.2
rework_minutes = 10

[uncertainty]
draws = 20000
seed = 3
extra_failure_rate = [0.05, 0.6]
"""


def _load(tmp_path: Path, text: str) -> tuple[Scenario, Decision]:
    path = tmp_path / "s.toml"
    path.write_text(text)
    sc = load_scenario(path, CAT)
    return sc, decide(sc, CAT)


def test_per_option_uncertainty_is_centred_on_each_options_gap(tmp_path: Path) -> None:
    sc, d = _load(tmp_path, TWO_MODELS)
    qwen, devstral = (
        next(o for o in d.options if o.name == n)
        for n in ("Spark, Qwen3 Coder 30B", "Spark, Devstral Small 2")
    )
    assert qwen.capability_tax_monthly > devstral.capability_tax_monthly > 0
    mc = run_monte_carlo(sc, CAT, d)
    assert mc is not None
    p50 = {k: D(v["p50"]) for k, v in mc["options"].items()}
    # same box, so the spread between the two is the tax: each drawn around its own gap
    ratio = (p50[qwen.name] - D(qwen.money_monthly)) / (
        p50[devstral.name] - D(devstral.money_monthly)
    )
    expected = qwen.capability_tax_monthly / devstral.capability_tax_monthly
    assert abs(ratio - expected) / expected < D("0.1")


def test_subscription_is_a_seat_price_in_a_hybrid(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "seed_000_shared_spark.toml").read_text()
    _, d = _load(tmp_path, text.replace("monthly_usd = 250", 'plan = "claude-max-20x"'))
    hyb = next(o for o in d.options if o.kind == "hybrid")
    assert hyb.detail["api_priced_as"] == "seats"
    assert hyb.detail["api_monthly"] == "600.00"  # 3 seats x $200, not 35% of it


def test_per_developer_cost_of_a_shared_box(tmp_path: Path) -> None:
    _, d = _load(tmp_path, (ROOT / "examples" / "seed_000_shared_spark.toml").read_text())
    spark = next(o for o in d.options if o.kind == "local")
    assert round(D(spark.detail["per_developer_monthly"])) == 76  # seed 000: "~$75/month"


TOPOLOGY = ROOT / "examples" / "seed_003_topology.toml"


def _by_kind(d: Decision) -> dict[str, OptionResult]:
    return {o.kind: o for o in d.options}


def test_wake_filter_box_beside_the_api_is_seed_003s_topology() -> None:
    sc = load_scenario(TOPOLOGY, CAT)
    d = decide(sc, CAT)
    kinds = _by_kind(d)
    # coding: 3 x (1.5M x $3 + 0.4M x $15) x 30 = $945; wake-filters on the API: $826.50
    assert kinds["api"].money_monthly == D("1771.50")
    box = kinds["wake_box"]
    assert box.money_monthly.quantize(D("0.01")) == D(945) + D(box.detail["wake_box_tco_monthly"])
    assert box.detail["replaces_wake_filter_api_monthly"] == "826.50"
    assert d.recommendation.kind == "wake_box"


def test_renting_prices_hours_and_cites_its_source() -> None:
    d = decide(load_scenario(TOPOLOGY, CAT), CAT)
    rent = _by_kind(d)["rent"]
    assert rent.money_monthly == D(3) * 730 * rent.boxes
    assert "hardware_specs.csv" in rent.detail["source"] and rent.detail["fits"] is True


def test_private_tenant_prices_and_privacy(tmp_path: Path) -> None:
    d = decide(load_scenario(TOPOLOGY, CAT), CAT)
    tenant = _by_kind(d)["private_tenant"]
    assert tenant.detail["price_ratio"] == "1.100" and tenant.capability_tax_monthly == 0
    text = TOPOLOGY.read_text().replace("[hybrid]", "[constraints]\nlocal_only = true\n\n[hybrid]")
    _, closed = _load(tmp_path, text)
    assert not _by_kind(closed)["private_tenant"].eligible
    _, ok = _load(
        tmp_path, text.replace("local_only = true", "local_only = true\nprivate_tenant_ok = true")
    )
    assert _by_kind(ok)["private_tenant"].eligible


def test_rent_without_a_price_is_an_input_error(tmp_path: Path) -> None:
    text = TOPOLOGY.read_text().replace(
        'hardware = "h100-80gb-pcie"', 'hardware = "a100-80gb-pcie"'
    )
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"rent\.usd_per_hour"):
        decide(load_scenario(path, CAT), CAT)


@pytest.mark.parametrize(("tokens_in", "tokens_out"), [(1_000_000, 1_000_000), (5_000_000, 50_000)])
def test_a_cheaper_tier_prices_the_scenarios_own_tokens(
    tmp_path: Path, tokens_in: int, tokens_out: int
) -> None:
    stated = f"input_tokens_per_day = {tokens_in}\noutput_tokens_per_day = {tokens_out}"
    tier_table = '\n[cheaper_tier]\nmodel = "deepseek-v3.2"\n'
    text = TWO_MODELS.replace("monthly_usd = 400", stated) + tier_table
    path = tmp_path / "s.toml"
    path.write_text(text)
    d = decide(load_scenario(path, CAT), CAT)
    tier = next(o for o in d.options if o.kind == "cheaper_api")
    card = CAT.price("deepseek-v3.2")
    assert card is not None
    per_day = (tokens_in * card.input + tokens_out * card.output) / 1_000_000
    # 6 agents, 30 days: the same traffic the frontier's bill is priced on, not a fixed mix
    assert abs(tier.money_monthly - per_day * 6 * 30) < D("0.01")


def test_a_days_tokens_are_not_priced_as_one_long_prompt(tmp_path: Path) -> None:
    # claude-sonnet-4-5's card doubles its input price for a prompt over 200k tokens: a day
    # of 1.5M tokens is many calls, each under it (the per-call cliff applies per call only)
    card = CAT.price("claude-sonnet-4-5")
    assert card is not None and card.long_context_threshold == 200_000
    stated = "input_tokens_per_day = 1500000\noutput_tokens_per_day = 400000"
    text = TWO_MODELS.replace("monthly_usd = 400", stated)
    path = tmp_path / "s.toml"
    path.write_text(text.replace('model = "claude-sonnet-4-6"', 'model = "claude-sonnet-4-5"'))
    d = decide(load_scenario(path, CAT), CAT)
    api = next(o for o in d.options if o.kind == "api")
    per_day = (1_500_000 * card.input + 400_000 * card.output) / 1_000_000
    assert api.money_monthly == per_day * 6 * 30
