"""Each condition kind of a rule's ``when``: matching, not matching, and the words why."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any
from unicodedata import normalize

import pytest

from fulcrum.errors import ConfigError
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy import CONDITIONS, Condition
from fulcrum.routing.policy.rules import parse_when
from fulcrum.tables import Table

BASE = RequestFeatures(
    api="anthropic",
    model="claude-sonnet-4-6",
    kind="main",
    user_agent="claude-cli/2.1.330 (external, cli)",
    client_key="ci-bot",
    headers=MappingProxyType({"x-team": "infra-east"}),
    has_tools=True,
    tool_count=20,
    estimated_tokens=42_000,
    thinking=True,
    cwd="/home/ana/src/shop-api",
    repo="shop-api",
    turn=3,
    tool_errors=2,
    text="please deploy the billing service",
    secrets=("aws-access-key",),
    hour=23,
    minute=15,
    weekday=5,
)
NONE = RequestFeatures(api="openai", model="gpt-5", weekday=1, hour=12)


def cond(key: str, value: Any) -> Condition:
    (only,) = parse_when(Table({key: value}, "p.toml", "policy.rules[0].when"))
    return only


CASES: list[tuple[str, Any, str, str]] = [
    ("user_agent", "claude-cli/*", "matches 'claude-cli/*'", "no user agent"),
    ("client_key", ["ci-bot", "alice"], "client key is 'ci-bot'", "wanted one of ci-bot, alice"),
    ("header", {"X-Team": "infra*"}, "matches 'infra*'", "header x-team is absent"),
    ("model", ["claude-sonnet-*"], "matches 'claude-sonnet-*'", "matches none of"),
    ("kind", ["main", "subagent"], "kind is 'main'", "kind is 'other', wanted one of main"),
    ("tools", True, "tools declared: yes", "tools declared: no, wanted yes"),
    ("min_tokens", 30_000, "42,000 >= min_tokens 30,000", "0 < min_tokens 30,000"),
    ("thinking", True, "thinking: yes", "thinking: no, wanted yes"),
    ("path", "/home/*/src/*", "matches '/home/*/src/*'", "no working directory"),
    ("repo", "shop-api", "repository is 'shop-api'", "repository is none"),
    ("secrets", True, "secrets: aws-access-key matched", "secrets: none found, wanted some"),
    ("secrets", ["aws-access-key"], "aws-access-key matched", "none found, wanted one of"),
    ("hours", "22:00-06:00", "time 23:15 is within 22:00-06:00", "12:00 is outside"),
    ("weekdays", ["sat", "sunday"], "weekday is sat", "weekday is tue, wanted one of sat, sun"),
    ("turn_min", 2, "turn 3 >= turn_min 2", "turn 0 < turn_min 2"),
    ("tool_errors_min", 2, "2 >= tool_errors_min 2", "0 < tool_errors_min 2"),
    ("text", [r"\bdeploy\b", "ship it"], r"text matches /\bdeploy\b/", "matches none of"),
]


@pytest.mark.parametrize(("key", "value", "yes", "no"), CASES, ids=[c[0] for c in CASES])
def test_condition_matches_and_does_not(key: str, value: Any, yes: str, no: str) -> None:
    c = cond(key, value)
    assert c.test(BASE) is True
    assert yes in c.explain(BASE)
    assert c.test(NONE) is False
    assert no in c.explain(NONE)


def test_every_registered_kind_is_covered_here() -> None:
    covered = {c[0] for c in CASES} | {"max_tokens"}
    assert set(CONDITIONS) == covered


def test_max_tokens_and_negative_flags() -> None:
    assert cond("max_tokens", 50_000).test(BASE) is True
    assert "42,000 > max_tokens 10,000" in cond("max_tokens", 10_000).explain(BASE)
    assert cond("tools", False).test(NONE) is True
    assert cond("secrets", False).test(NONE) is True
    assert "wanted none" in cond("secrets", False).explain(BASE)


def test_secrets_list_does_not_match_another_detector() -> None:
    c = cond("secrets", ["github-token"])
    assert c.test(BASE) is False
    assert c.explain(BASE) == "secrets: aws-access-key matched, wanted one of github-token"


def test_hours_wrap_midnight_and_plain_ranges() -> None:
    night = cond("hours", "22:00-06:00")
    early = RequestFeatures(api="a", model="m", hour=5, minute=59)
    assert night.test(early) is True
    assert night.test(RequestFeatures(api="a", model="m", hour=6)) is False
    work = cond("hours", ["09:00-12:00", "13:00-17:30"])
    assert work.test(RequestFeatures(api="a", model="m", hour=17, minute=29)) is True
    assert work.test(RequestFeatures(api="a", model="m", hour=12, minute=30)) is False


def test_globs_are_case_insensitive_and_header_needs_every_name() -> None:
    assert cond("model", "CLAUDE-*").test(BASE) is True
    both = cond("header", {"x-team": "infra*", "x-env": "prod"})
    assert both.test(BASE) is False
    assert "header x-env is absent" in both.explain(BASE)


@pytest.mark.parametrize("written", ["NFC", "NFD"])
def test_paths_and_repos_match_composed_or_decomposed(written: str) -> None:
    """macOS gives paths decomposed (NFD); a rule is usually typed composed (NFC)."""
    folder = "ünïcode-ПРОЕКТЙ"
    rule_path = cond("path", normalize(written, f"/srv/{folder}/*"))
    rule_repo = cond("repo", normalize(written, folder))
    for form in ("NFC", "NFD"):
        cwd = normalize(form, f"/srv/{folder}")
        f = RequestFeatures(api="a", model="m", cwd=cwd + "/app", repo=normalize(form, folder))
        assert rule_path.test(f) and rule_repo.test(f), (written, form)
        assert "matches" in rule_path.explain(f) and "none of" not in rule_path.explain(f)


BAD: list[tuple[str, Any, str]] = [
    ("hours", "25:00-06:00", 'policy.rules[0].when.hours: expected "HH:MM-HH:MM"'),
    ("hours", "22:00", "'22:00'"),
    ("hours", "06:00-06:00", "'06:00-06:00'"),
    ("kind", ["mainloop"], "when.kind: expected request kinds from main, subagent"),
    ("text", ["(unclosed"], "when.text: expected a valid regular expression"),
    ("secrets", ["aws-key"], "when.secrets: expected true, false or detector names"),
    ("weekdays", ["funday"], "when.weekdays: expected weekday names from mon"),
    ("min_tokens", -1, "when.min_tokens: expected an integer >= 0"),
    ("tools", "yes", "when.tools: expected true or false"),
    ("model", [], "when.model: expected a list of non-empty strings, at least one"),
    ("header", {}, "when.header: expected a table of header globs"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_bad_values_name_the_field(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        cond(key, value)
    assert message in str(err.value)
    assert str(err.value).startswith("p.toml: policy.rules[0].when.")
