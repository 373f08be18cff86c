"""The explanation's rendering: what is set is shown, what is not set is not."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

from rich.console import Console

from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy import evaluate, parse_rules
from fulcrum.routing.policy.explain import Explanation, as_dict, explain, render, rule_decision
from fulcrum.tables import Table

RULES = parse_rules(
    Table(
        {
            "rules": [
                {"name": "home", "when": {"secrets": True}, "never_leaves": True},
                {"name": "escalate", "when": {"tool_errors_min": 2}, "handoff": True},
                {"name": "ask-router", "when": {"kind": "subagent"}, "route": "learned"},
            ]
        },
        "p.toml",
        "policy",
    )
)


def feats(**kw: Any) -> RequestFeatures:
    return RequestFeatures(api="anthropic", model="claude-sonnet-4-6", **kw)


def text_of(explanation: Explanation) -> str:
    buffer = io.StringIO()
    render(explanation, Console(file=buffer, width=80))
    return buffer.getvalue()


def test_decisions_follow_the_brains_precedence() -> None:
    def decide(**kw: Any) -> tuple[str, str]:
        route, reason, _ = rule_decision(evaluate(RULES, feats(**kw)))
        return route, reason

    assert decide(secrets=("jwt",), tool_errors=5) == ("local", "never-leaves:home")
    assert decide(tool_errors=2) == ("frontier", "rule:escalate")
    assert decide(kind="subagent") == ("learned", "rule:ask-router→learned")
    assert decide(kind="title") == ("local", "background→local")
    assert decide(kind="main") == ("learned", "learned")
    assert rule_decision(evaluate(RULES, feats(kind="main")), "frontier")[:2] == (
        "frontier",
        "otherwise",
    )


def test_handoff_is_explained_as_a_note() -> None:
    e = explain(evaluate(RULES, feats(tool_errors=3)))
    assert any("handoff:escalate" in note for note in e.notes)
    assert "note: handoff: a session already on local moves" in text_of(e)


def test_learned_fields_appear_only_when_set() -> None:
    e = explain(evaluate(RULES, feats(kind="main")), source="p.toml")
    assert {"score", "threshold", "share", "budget"}.isdisjoint(as_dict(e))
    assert "score:" not in text_of(e)
    full = dataclasses.replace(
        e, score=0.8125, threshold=0.6, share={"local": 0.64}, budget={"daily_left_usd": "12.50"}
    )
    data = json.loads(json.dumps(as_dict(full)))
    assert (data["score"], data["threshold"]) == (0.8125, 0.6)
    assert data["share"] == {"local": 0.64} and data["budget"] == {"daily_left_usd": "12.50"}
    out = text_of(full)
    assert "score: 0.812" in out and "threshold: 0.600" in out
    assert "share: local=0.64" in out and "budget: daily_left_usd=12.50" in out


def test_text_fits_80_columns_and_lists_every_rule() -> None:
    out = text_of(explain(evaluate(RULES, feats(text="x" * 500, cwd="/a/" + "b" * 120))))
    assert max(len(line) for line in out.splitlines()) <= 80
    for name in ("home", "escalate", "ask-router"):
        assert name in out
    assert "rule fired: none" in out


def test_no_rules_is_said() -> None:
    out = text_of(explain(evaluate((), feats())))
    assert "(no rules)" in out


def test_rules_only_is_said_and_marked() -> None:
    e = explain(evaluate(RULES, feats(kind="main")), source="p.toml")
    assert as_dict(e)["mode"] == "rules"
    assert "rules only" in " ".join(text_of(e).split())
    assert "--config" in e.notes[-1]
