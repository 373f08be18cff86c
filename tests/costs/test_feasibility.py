"""Never recommend what cannot work: one scenario per rule, each shows why."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.cli import main
from fulcrum.costs.decision import Decision, decide
from fulcrum.costs.scenario import load_scenario

CAT = load_catalog()
BASE = """
[scenario]
name = "feasibility"
horizon_years = 3
engineer_rate = 100
usd_per_kwh = 0.17
as_of = "2026-07-01"

[api]
model = "claude-sonnet-4-6"
agents = {agents}
monthly_usd = {monthly}

[[options]]
name = "box"
hardware = "{hardware}"
local_model = "{model}"

[capability]
dispatches_per_day = 10
baseline_failure_rate = 0.2
rework_minutes = 10
{measured}

[hybrid]
local_share = {share}

[concurrency]
calls_per_agent_hour = {rate}
prompt_tokens = 2000
output_tokens = 200
context_tokens = 8000
target_latency_s = {target}
"""


def _decide(tmp_path: Path, **kw: object) -> Decision:
    values: dict[str, object] = {
        "agents": 6,
        "hardware": "dgx-spark",
        "model": "qwen3-coder-30b-a3b",
        "measured": "local_failure_rate = 0.2",
        "share": 0.65,
        "rate": 12,
        "target": 120,
        "monthly": 2000,
    }
    values.update(kw)
    path = tmp_path / "s.toml"
    path.write_text(BASE.format(**values))
    return decide(load_scenario(path, CAT), CAT)


def _why(d: Decision, kind: str) -> dict[str, str]:
    option = next(o for o in d.options if o.kind == kind)
    return {r.id: r.evidence for r in option.why_not}


def test_control_a_feasible_assessed_box_is_recommended(tmp_path: Path) -> None:
    d = _decide(tmp_path)
    assert d.recommendation.kind == "local" and not _why(d, "local")
    local = next(o for o in d.options if o.kind == "local")
    assert local.detail["fits"] is True and local.boxes == 1


def test_model_without_a_score_is_not_assessed(tmp_path: Path) -> None:
    d = _decide(tmp_path, model="qwen2.5-coder-32b", measured="")
    assert d.recommendation.kind == "api"
    why = _why(d, "local")
    assert "qwen2.5-coder-32b has no SWE-bench Verified score" in why["tax-not-assessed"]
    assert "tax-not-assessed" in _why(d, "hybrid")


def test_closed_model_cannot_be_a_local_model(tmp_path: Path) -> None:
    d = _decide(tmp_path, model="claude-sonnet-4-6")
    assert d.recommendation.kind == "api"
    assert "open_weights = false" in _why(d, "local")["closed-weights"]
    assert "closed-weights" in _why(d, "hybrid")


def test_model_that_does_not_fit(tmp_path: Path) -> None:
    d = _decide(tmp_path, hardware="rtx-5090", model="deepseek-v3.2", measured="")
    assert d.recommendation.kind == "api"
    why = _why(d, "local")["memory-fit"]
    assert "needs 410.7 GB" in why and "the box has 32 GB" in why
    local = next(o for o in d.options if o.kind == "local")
    assert local.detail["fits"] is False and "decode_tokens_per_s" not in local.detail
    assert local.detail["memory_available_bytes"] == 32_000_000_000


def test_hundred_thousand_agents_are_infeasible(tmp_path: Path) -> None:
    d = _decide(tmp_path, agents=100_000)
    assert d.recommendation.kind == "api"
    assert "more than 1,000 boxes" in _why(d, "local")["capacity"]
    assert "capacity" in _why(d, "hybrid")


def test_hybrid_over_one_box_is_priced_for_the_boxes_it_needs(tmp_path: Path) -> None:
    d = _decide(tmp_path, agents=150)
    hyb = next(o for o in d.options if o.kind == "hybrid")
    assert hyb.detail["one_box_utilisation"] > 1 and hyb.boxes >= 2
    per_box = D(hyb.detail["tco_monthly"])
    assert abs(hyb.money_monthly - D(hyb.detail["api_monthly"]) - per_box * hyb.boxes) < D("0.01")
    local = next(o for o in d.options if o.kind == "local")
    assert local.boxes >= hyb.boxes


def test_no_box_count_meets_a_target_shorter_than_one_call(tmp_path: Path) -> None:
    d = _decide(tmp_path, target=1)
    assert d.recommendation.kind == "api"
    assert "over the 1 s target latency" in _why(d, "hybrid")["capacity"]


def test_never_amortizes_states_the_numbers(tmp_path: Path) -> None:
    d = _decide(tmp_path, hardware="h200-141gb", monthly=100)
    why = _why(d, "local")["never-amortizes"]
    assert why == "break-even month 61.3 > 36 months"  # $35,000 against $600/month
    d = _decide(tmp_path, hardware="h200-141gb", monthly=200)  # $1,200/month for 6 agents
    assert "never-amortizes" not in _why(d, "local")  # breaks even inside the horizon


def test_json_marks_every_option(tmp_path: Path) -> None:
    d = _decide(tmp_path, model="claude-sonnet-4-6")
    for o in d.as_dict()["options"]:
        assert isinstance(o["eligible"], bool)
        assert o["eligible"] == (not o["why_not"])


def test_throughput_says_a_model_does_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["throughput", "--json", "--hardware", "rtx-5090", "--model", "deepseek-v3.2"])
    assert done.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fits"] is False and out["memory_available_bytes"] == 32_000_000_000
    assert out["memory_needed_bytes"] > 400e9 and "decode_tokens_per_s" not in out
