from __future__ import annotations

import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.concurrency import boxes_needed, erlang_c, shared_latency
from fulcrum.costs.decision import Decision, decide
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.scenario import Scenario, load_scenario
from fulcrum.costs.signals import check_signals
from fulcrum.costs.tco import TcoInput, tco

ROOT = Path(__file__).resolve().parents[2]
CAT = load_catalog()
# a measured gap of zero: the local model fails no more often than the frontier one
GOOD_CAPABILITY = """[capability]
dispatches_per_day = 100
baseline_failure_rate = 0.2
local_failure_rate = 0.2
rework_minutes = 10
"""


def _decide(
    name: str, text_edit: tuple[str, str] | None = None, tmp: Path | None = None
) -> tuple[Scenario, Decision]:
    path = ROOT / "examples" / f"{name}.toml"
    if text_edit and tmp:
        new = tmp / path.name
        new.write_text(path.read_text().replace(*text_edit))
        path = new
    sc = load_scenario(path, CAT)
    return sc, decide(sc, CAT)


def test_seed003_fleet_stays_on_api_because_of_capability_tax() -> None:
    _, d = _decide("seed_003_fleet")
    assert d.recommendation.kind == "api"
    assert d.recommendation.money_monthly == D("1188.0")
    ids = [r.id for r in d.rules]
    assert "capability-tax-dominates" in ids and "wake-filter-first" in ids
    local = next(o for o in d.options if o.kind == "local")
    assert local.capability_tax_monthly == D(10000)
    # the seed's 0.4M output tokens an agent-day are 800 calls of 500 tokens: three agents
    # at 33 calls an hour (spread over all 24) keep one box busy almost three times over,
    # and the queue needs four for the 120 s target (queueing, not linear scaling)
    assert local.detail["one_box_utilisation"] > 2.5 and local.detail["boxes"] == 4
    assert any(w.startswith("concurrency.calls_per_agent_hour: 12 calls") for w in d.warnings)
    assert abs(local.money_monthly - 4 * D(local.detail["tco_monthly"])) < D("0.01")
    assert d.reevaluate_on == date(2026, 8, 5)


def test_wake_filter_scenario_moves_local() -> None:
    _, d = _decide("seed_003_wake_filter")
    assert d.recommendation.kind in {"hybrid", "local"}
    assert d.recommendation.total_monthly < D(200)
    assert d.wake_filter is not None and d.wake_filter.api_fleet.monthly == D("826.50")


def test_one_developer_excludes_local_and_more_agents_admit_it(tmp_path: Path) -> None:
    _, one = _decide("seed_000_tiers")
    assert "few-agents" in [r.id for r in one.rules]
    spark = next(o for o in one.options if o.kind == "local" and o.name == "DGX Spark")
    assert spark.detail["break_even_month"] == "31.4"  # $5,500 / ($250 - $75)
    assert spark.detail["payback_months"] == "22.0"  # $5,500 / $250
    assert spark.detail["cost_equivalence_agents"] == "0.9"  # $228 / $250
    assert one.recommendation.kind == "api"
    spark_rules = {r.id: r.evidence for r in spark.why_not}
    assert "few-agents" in spark_rules and "never-amortizes" not in spark_rules  # 31.4 < 36
    six_text = GOOD_CAPABILITY + "\n" + (ROOT / "examples" / "seed_000_tiers.toml").read_text()
    (tmp_path / "six.toml").write_text(six_text.replace("agents = 1", "agents = 6"))
    six = decide(load_scenario(tmp_path / "six.toml", CAT), CAT)
    assert six.recommendation.kind == "local" and "move-local" in [r.id for r in six.rules]
    # the same team without a [capability] section: the tax is not assessed, so no local
    _, unassessed = _decide("seed_000_tiers", ("agents = 1", "agents = 6"), tmp_path)
    assert unassessed.recommendation.kind == "api"
    local = next(o for o in unassessed.options if o.kind == "local")
    assert [r.id for r in local.why_not] == ["tax-not-assessed"] and not local.tax_assessed


def test_privacy_constraint_forces_local(tmp_path: Path) -> None:
    _, d = _decide(
        "seed_000_tiers", ("[hybrid]", "[constraints]\nlocal_only = true\n\n[hybrid]"), tmp_path
    )
    assert d.recommendation.kind == "local" and d.rules[0].id == "privacy"


def test_signals_against_catalog_and_price_rise() -> None:
    card = CAT.price("seed-frontier")
    signals = {s.id: s for s in check_signals(CAT, card, D(1), D(8))}
    assert signals["open-model-parity"].met and "kimi-k2.6" in signals["open-model-parity"].evidence
    assert (
        not signals["small-model-70"].met
        and "devstral-small-2" in signals["small-model-70"].evidence
    )
    assert not signals["tb-memory-under-10k"].met
    assert signals["api-price-2x"].met  # $4/$18 vs $1/$8 reference


def test_monte_carlo_quantiles_ordered_and_fast() -> None:
    sc, d = _decide("seed_003_fleet")
    start = time.perf_counter()
    mc = run_monte_carlo(sc, CAT, d, draws=100_000)
    elapsed = time.perf_counter() - start
    assert mc is not None and elapsed < 1.0
    for q in mc["options"].values():
        assert D(q["p10"]) <= D(q["p50"]) <= D(q["p90"])  # money as cent strings
        assert all(D(v) == D(v).quantize(D("0.01")) for v in q.values())
    api = mc["options"]["Frontier API (seed-frontier)"]
    assert D(api["p10"]) < 1188 < D(api["p90"])
    swings = [D(row["swing"]) for row in mc["tornado"]]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    assert 0.5 < mc["p_best_cheapest"] <= 1.0


def test_monte_carlo_is_reproducible_with_seed() -> None:
    sc, d = _decide("seed_000_tiers")
    a = run_monte_carlo(sc, CAT, d, draws=5000)
    b = run_monte_carlo(sc, CAT, d, draws=5000)
    assert a == b


def test_erlang_c_and_queueing_not_linear() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    one = shared_latency(1, 12, 60.0)
    three = shared_latency(3, 12, 60.0)
    assert (one.latency_s, three.latency_s) == pytest.approx((75.0, 150.0))  # S / (1 - rho)
    assert three.wait_s == pytest.approx(6 * one.wait_s)  # 3x the load, 6x the waiting
    assert shared_latency(6, 12, 60.0).latency_s == float("inf")  # utilisation 1.2
    q = boxes_needed(6, 12, 60.0, 120.0)
    assert q is not None and q.boxes >= 2 and q.latency_s <= 120.0
    assert boxes_needed(1, 12, 200.0, 120.0) is None


def test_plan_as_api_spend(tmp_path: Path) -> None:
    _, d = _decide(
        "seed_000_shared_spark", ("monthly_usd = 250", 'plan = "claude-max-20x"'), tmp_path
    )
    api = next(o for o in d.options if o.kind == "api")
    assert api.money_monthly == D(600)  # 3 seats x $200


def test_tco_residual_uplift_and_operations() -> None:
    b = tco(
        TcoInput(
            "box",
            D(10000),
            horizon_years=D(3),
            residual_usd=D(2800),
            uplift=D("0.25"),
            setup_hours=D(10),
            rate_usd_per_hour=D(100),
            idle_w=D(50),
            load_w=D(250),
            duty=D("0.5"),
            usd_per_kwh=D("0.20"),
            ops_hours_per_month=D(5),
        )
    )
    assert b.uplift == D(1800)
    assert b.electricity == D(150) * 8760 * 3 / 1000 * D("0.20")  # 150 W average
    assert b.operations == D(5) * 36 * 100
    assert b.total == D(7200) + D(1800) + D(1000) + b.electricity + D(18000)
    assert b.running_monthly == (b.total - b.upfront + b.residual) / 36


def test_free_power_is_a_scenario_like_any_other(tmp_path: Path) -> None:
    """usd_per_kwh = 0 (power paid by someone else) was a ZeroDivisionError in the draws."""
    sc, d = _decide("seed_003_fleet", ("usd_per_kwh = 0.1729", "usd_per_kwh = 0"), tmp_path)
    assert sc.usd_per_kwh == 0
    mc = run_monte_carlo(sc, CAT, d, draws=2000)
    assert mc is not None
    base, decided = _decide("seed_003_fleet")
    paid = run_monte_carlo(base, CAT, decided, draws=2000)
    assert paid is not None
    local = "Mac Studio M3 Ultra 512GB"
    assert D(mc["options"][local]["p50"]) < D(paid["options"][local]["p50"])
