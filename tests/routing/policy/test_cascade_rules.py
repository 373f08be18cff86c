"""``cascade = true`` and ``verify`` on a rule: parsing, the local-target check, the verdict."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.routing.brain.cascade import check_cascade_targets, mark_cascade
from fulcrum.routing.brain.config import parse_policy
from fulcrum.routing.brain.verdict import Verdict
from fulcrum.routing.config import BackendCaps, RoutingConfig, TargetSpec
from fulcrum.routing.policy import parse_rules
from fulcrum.tables import Table

ROUTING = RoutingConfig(
    backends=(BackendCaps("llama", "local", ("qwen",)), BackendCaps("claude", "api", ("sonnet",)))
)


def rules_of(rule: str) -> tuple[Any, ...]:
    data = tomllib.loads(f'[policy]\n[[policy.rules]]\nname = "r"\n{rule}')
    return parse_rules(Table(data["policy"], "policy.toml", "policy"))


def test_a_cascade_rule_with_its_verifiers() -> None:
    (rule,) = rules_of('route = "local"\ncascade = true\nverify = ["tools", "json_schema"]')
    assert rule.cascade and rule.verify == ("tools", "json_schema")
    (plain,) = rules_of('route = "local"')
    assert not plain.cascade and plain.verify == ()


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        ('route = "frontier"\ncascade = true', "policy.rules[0].cascade", 'route = "local"'),
        ('route = "learned"\ncascade = true', "policy.rules[0].cascade", "local target"),
        ("never_leaves = true\ncascade = true", "policy.rules[0].cascade", "true only"),
        ('handoff = true\ncascade = true', "policy.rules[0].cascade", "true only"),
        ('route = "local"\nverify = ["tools"]', "policy.rules[0].verify", "without cascade"),
        ('route = "local"\ncascade = true\nverify = ["schema"]', "policy.rules[0].verify",
         "tools, json_schema"),
        ('route = "local"\ncascade = "yes"', "policy.rules[0].cascade", "true or false"),
    ],
)  # fmt: skip
def test_a_bad_cascade_names_its_field(rule: str, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        rules_of(rule)
    assert info.value.field == field and words in str(info.value)


def _policy(route: str) -> Any:
    text = f'[[rules]]\nname = "r"\nroute = "{route}"\ncascade = true\n'
    return parse_policy(tomllib.loads(text), ROUTING, file="policy.toml", base=Path("."))


def test_a_cascade_to_an_api_target_is_refused_at_start_up() -> None:
    policy = _policy("claude/sonnet")
    with pytest.raises(ConfigError) as info:
        check_cascade_targets(policy.rules, policy.routes, ROUTING, source=policy.source)
    assert info.value.field == "policy.rules[0].cascade" and "'claude/sonnet'" in str(info.value)
    assert str(info.value).startswith("policy.toml: policy.rules[0].cascade: expected true only")
    for route in ("local", "llama/qwen"):
        ok = _policy(route)
        check_cascade_targets(ok.rules, ok.routes, ROUTING, source=ok.source)


def _local(**kw: Any) -> Verdict:
    return Verdict(target=TargetSpec("llama"), side="local", reason="rule:r", **kw)


def test_only_a_local_verdict_of_a_cascading_rule_cascades() -> None:
    (rule,) = rules_of('route = "local"\ncascade = true\nverify = ["tools"]')
    (plain,) = rules_of('route = "local"')

    def local(t: TargetSpec) -> bool:
        return t.backend == "llama"

    marked = mark_cascade(_local(), rule, local)
    assert marked.cascade and marked.verify == ("tools",)
    assert marked.as_dict()["cascade"] is True and marked.as_dict()["verify"] == ["tools"]
    assert not mark_cascade(_local(), plain, local).cascade
    assert not mark_cascade(_local(), None, local).cascade
    assert not mark_cascade(_local(local_only=True), rule, local).cascade  # secrets, budget
    spilled = Verdict(target=TargetSpec("claude"), side="frontier", reason="rule:r+slo-spill")
    assert not mark_cascade(spilled, rule, local).cascade
    target = Verdict(target=TargetSpec("llama", "qwen"), side="target", reason="rule:r")
    assert mark_cascade(target, rule, local).cascade
    assert _local().as_dict()["cascade"] is False and "verify" not in _local().as_dict()
