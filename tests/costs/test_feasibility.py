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


def _tokens(tmp_path: Path, output_per_day: int, **kw: object) -> Decision:
    """BASE with its API stated in tokens a day per agent (the volume the boxes must serve)."""
    stated = (
        f"input_tokens_per_day = {output_per_day * 4}\noutput_tokens_per_day = {output_per_day}"
    )
    path = tmp_path / "t.toml"
    values: dict[str, object] = {"agents": 6, "hardware": "rtx-5090",
                                 "model": "qwen3-coder-30b-a3b",
                                 "measured": "local_failure_rate = 0.3", "share": 0.65, "rate": 12,
                                 "target": 120, **kw}  # fmt: skip
    path.write_text(BASE.replace("monthly_usd = {monthly}", stated).format(**values))
    return decide(load_scenario(path, CAT), CAT)


def test_the_boxes_carry_the_token_volume_the_api_is_priced_for(tmp_path: Path) -> None:
    # 12 calls of 200 output tokens an agent-hour carry 57,600 tokens a day around the clock
    light = _tokens(tmp_path, 50_000)
    assert not [w for w in light.warnings if w.startswith("concurrency.")]
    heavy = _tokens(tmp_path, 50_000_000)
    (warning,) = [w for w in heavy.warnings if w.startswith("concurrency.")]
    assert "57,600 output tokens an agent-day" in warning and "50,000,000" in warning
    assert "10,416.7 calls/agent-hour" in warning  # 50M / 200 tokens / 24 h
    local = next(o for o in heavy.options if o.kind == "local")
    decode = local.detail["decode_tokens_per_s"]
    # 6 agents x 50M tokens a day cannot be decoded by fewer boxes, even around the clock
    assert local.boxes >= 6 * 50_000_000 / (decode * 86_400)
    light_local = next(o for o in light.options if o.kind == "local")
    assert light_local.boxes == 1
    # a stated rate above the volume's floor is kept
    busy = _tokens(tmp_path, 50_000, rate=5_000)
    assert next(o for o in busy.options if o.kind == "local").boxes > 1


@pytest.mark.parametrize(("share", "fraction"), [("0", "0"), ("0.65", "0.25"), ("1", "1")])
def test_the_hybrid_tax_follows_its_local_share(tmp_path: Path, share: str, fraction: str) -> None:
    d = _decide(tmp_path, share=share, measured="local_failure_rate = 0.4")
    local = next(o for o in d.options if o.kind == "local")
    hyb = next(o for o in d.options if o.kind == "hybrid")
    assert local.capability_tax_monthly > 0
    assert hyb.capability_tax_monthly == local.capability_tax_monthly * D(fraction)


def test_the_hybrid_tax_grows_with_the_share(tmp_path: Path) -> None:
    taxes = [
        next(o for o in _decide(tmp_path, share=s, measured="local_failure_rate = 0.4").options
             if o.kind == "hybrid").capability_tax_monthly
        for s in ("0.2", "0.5", "0.8", "0.95")
    ]  # fmt: skip
    assert taxes == sorted(taxes) and len(set(taxes)) == 4


def test_under_three_agents_no_option_buys_a_box(tmp_path: Path) -> None:
    d = _decide(tmp_path, agents=2, monthly=5000)  # the box would pay for itself
    assert "few-agents" in _why(d, "local") and "few-agents" in _why(d, "hybrid")
    assert d.recommendation.kind == "api"
    assert "few-agents" not in _why(_decide(tmp_path, agents=3, monthly=5000), "hybrid")


def test_a_box_without_a_power_figure_is_flagged_not_priced_at_zero_silently(
    tmp_path: Path,
) -> None:
    bare = _decide(tmp_path, hardware="mac-studio-m4-max-36")  # the catalog has no watts
    (warning,) = [w for w in bare.warnings if "electricity" in w]
    assert warning.startswith("box: electricity left at $0 (the catalog has no power figure")
    powered = _decide(tmp_path)  # dgx-spark: the catalog's watts
    assert not [w for w in powered.warnings if "electricity" in w]
