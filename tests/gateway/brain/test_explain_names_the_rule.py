"""``fulcrum route explain --config`` names the rule and reason the gateway's brain used:
same config, same ledger database, so the same pins, budget and recent latencies."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import InputError
from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import LedgerRow
from fulcrum.testing.cli import run_cli
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import SECRETS_RULE, Explain, ask, brain_config, ledger_rows, user

AWS_KEY = "aws_access_key_id = AKIAIOSFODNN7EXAMPLF"  # the shape of a real one, not a real one


def _last(session: str) -> LedgerRow:
    return [r for r in sorted(ledger_rows(), key=lambda r: r.ts) if r.session == session][-1]


def _served(gw: RunningGateway, session: str, messages: list[dict[str, Any]], **kw: Any) -> None:
    assert ask(gw, session, messages, **kw)[0] == 200


def test_a_pinned_session_and_a_secret(
    tmp_path: Path, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    config = brain_config(fake_anthropic.url, fake_openai.url,
                          f'[policy]\notherwise = "frontier"\n{SECRETS_RULE}')  # fmt: skip
    explain = Explain(tmp_path, config, capsys)
    first = user("Explain this module")
    turn = [*first, {"role": "assistant", "content": "Sure."}, *user("and the tests?")]
    leak = [*first, {"role": "assistant", "content": "Sure."}, *user(f"why?\n{AWS_KEY}")]
    with running_gateway(config) as gw:
        assert explain("P", first)["reason"] == "otherwise"
        _served(gw, "P", first)
        pinned = explain("P", turn)
        _served(gw, "P", turn)
        secret = explain("P", leak)
        _served(gw, "P", leak)
    rows = [r for r in sorted(ledger_rows(), key=lambda r: r.ts) if r.session == "P"]
    assert [r.route_reason for r in rows] == ["otherwise", "sticky", secret["reason"]]
    assert pinned["reason"] == "sticky" and pinned["route"] == "frontier"
    assert pinned["session"]["pin"]["backend"] == "frontier"
    assert pinned["session"]["pin"]["side"] == "frontier"
    assert secret["reason"] == "never-leaves:secrets-stay-home"
    assert secret["rule"] == "secrets-stay-home" and secret["verdict"]["local_only"]
    assert {t["kind"] for t in secret["chain"]} == {"local"}
    assert secret["session"]["pin"]["backend"] == "frontier"  # the pin it overrides


def test_a_session_held_by_its_pin_names_the_rule_as_the_ledger_does(
    tmp_path: Path, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    config = brain_config(fake_anthropic.url, fake_openai.url,
                          f'[policy]\notherwise = "frontier"\n{SECRETS_RULE}')  # fmt: skip
    explain = Explain(tmp_path, config, capsys)
    leak = user(f"why?\n{AWS_KEY}")
    later = [*leak, {"role": "assistant", "content": "Fixed."}, *user("thanks, and the tests?")]
    with running_gateway(config) as gw:
        _served(gw, "H", leak)
        data = explain("H", later)
        _served(gw, "H", later)
    assert data["rule"] == _last("H").rule == "secrets-stay-home"
    assert [r["fired"] for r in data["rules"]] == [False]  # no rule fired this turn
    text = _text(explain, "H", later, max_tokens=64)
    assert "│ none (pin holds secrets-stay-home)" in text


def test_an_exhausted_budget_names_its_window(
    tmp_path: Path, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    policy = '[policy]\notherwise = "frontier"\n[policy.budget]\ndaily_usd = 0.05\n'
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    explain = Explain(tmp_path, config, capsys)
    fake_anthropic.script.push(Reply("ok", output_tokens=150), times=400)
    with running_gateway(config) as gw:
        assert explain("fresh", user("task"), max_tokens=200)["reason"] == "otherwise"
        for i in range(40):
            _served(gw, f"s{i}", user(f"task {i}"), max_tokens=200)
    data = explain("new", user("one more task"), max_tokens=200)
    assert _last("s39").route_reason == data["reason"] == "otherwise+budget→local"
    assert data["verdict"]["budget"] == "budget:global/day"
    assert data["verdict"]["events"] == ["budget-degraded"]
    window = data["budget"]["global/day"]
    assert Decimal(window["spent"]) >= Decimal("0.025") and Decimal(window["reserved"]) == 0
    assert Decimal(window["left"]) < Decimal(window["limit"])
    text = _text(explain, "new", user("one more task"), max_tokens=200)
    assert "budget global/day" in text and "otherwise+budget→local" in text


def test_a_slow_local_backend_spills_from_the_ledgers_recent_ttfts(
    tmp_path: Path, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    policy = ('[policy]\notherwise = "local"\n[policy.latency]\nttft_ms_max = 150\n'
              "window_s = 60\nmin_hold_s = 0.3\n")  # fmt: skip
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    explain = Explain(tmp_path, config, capsys)
    assert explain("before", user("hello"), stream=True)["reason"] == "otherwise"
    with running_gateway(config) as gw:
        fake_openai.script.push(Reply("slow", first_byte_delay=0.3), times=3)
        for n in range(3):
            _served(gw, "pinned", user(f"step {n}"), stream=True)
        _served(gw, "new-1", user("hello"), stream=True)
    data = explain("new-2", user("hello"), stream=True)
    assert _last("new-1").route_reason == data["reason"] == "otherwise+slo-spill"
    assert data["route"] == "frontier" and data["verdict"]["events"] == ["slo-spill"]
    latency = data["latency"]
    assert latency["source"] == "ledger" and latency["samples"] == 3
    local = latency["backends"]["local"]
    assert local["spilling"] and local["reason"] == "ttft" and local["ttft_ms"] >= 150
    pinned = explain("pinned", user("step 3"), stream=True)
    assert pinned["reason"] == "sticky"  # a pinned session stays: the guard is for new ones


def test_a_learned_decision_shows_its_score_and_threshold(
    tmp_path: Path, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _learned_router_or_skip()
    config = brain_config(fake_anthropic.url, fake_openai.url, '[policy]\notherwise = "learned"\n')
    explain = Explain(tmp_path, config, capsys)
    ask_text = user("Design the sharding scheme of the ledger database")
    data = explain("L", ask_text)
    with running_gateway(config) as gw:
        _served(gw, "L", ask_text)
    row = _last("L")
    assert data["reason"] == row.route_reason == "learned"
    verdict = data["verdict"]
    assert 0.0 <= verdict["score"] <= 1.0 and verdict["threshold"] == row.threshold
    assert verdict["score"] == pytest.approx(row.frontier_score)
    assert data["share"]["fresh"] is True
    assert data["chain"][0]["backend"] == row.backend
    assert verdict["side"] == ("local" if row.backend_kind == "local" else "frontier")


def _learned_router_or_skip() -> None:
    try:
        from fulcrum.routing.learned import load_default  # noqa: PLC0415 - may not exist yet

        load_default()
    except (ImportError, InputError) as exc:
        pytest.skip(f"the learned router's shipped model is not available ({exc})")


def _text(explain: Explain, session: str, messages: list[dict[str, Any]], **kw: Any) -> str:
    body = {"model": "claude-sonnet-4-6", "messages": messages, **kw}
    request = explain.dir / "text.json"
    request.write_text(json.dumps(body))
    argv = ["route", "explain", str(request), "--config", str(explain.config), "--session", session]
    code, out, err = run_cli(argv, explain.capsys)
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 80
    return out
