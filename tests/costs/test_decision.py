from __future__ import annotations

import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.concurrency import boxes_needed, erlang_c, shared_latency
from fulcrum.costs.decision import decide
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.scenario import load_scenario
from fulcrum.costs.signals import check_signals

ROOT = Path(__file__).resolve().parents[2]
CAT = load_catalog()


def _decide(name: str, text_edit: tuple[str, str] | None = None, tmp: Path | None = None):  # type: ignore[no-untyped-def]
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
    assert d.reevaluate_on == date(2026, 8, 5)


def test_wake_filter_scenario_moves_local() -> None:
    _, d = _decide("seed_003_wake_filter")
    assert d.recommendation.kind in {"hybrid", "local"}
    assert d.recommendation.total_monthly < D(200)
    assert d.wake_filter is not None and d.wake_filter.api_fleet.monthly == D("826.50")


def test_one_developer_excludes_local_and_more_agents_admit_it(tmp_path: Path) -> None:
    _, one = _decide("seed_000_tiers")
    assert "few-agents" in [r.id for r in one.rules]
    assert one.recommendation.kind == "api"
    _, six = _decide("seed_000_tiers", ("agents = 1", "agents = 6"), tmp_path)
    assert six.recommendation.kind == "local" and "move-local" in [r.id for r in six.rules]


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
        assert q["p10"] <= q["p50"] <= q["p90"]
    api = mc["options"]["Frontier API (seed-frontier)"]
    assert api["p10"] < 1188 < api["p90"]
    swings = [row["swing"] for row in mc["tornado"]]
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
