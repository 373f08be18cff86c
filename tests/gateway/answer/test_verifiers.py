"""The cascade's verifiers: tool calls against their schemas, the answer against a JSON schema."""

from __future__ import annotations

from typing import Any

import pytest

from fulcrum.gateway.answer.verifiers import VERIFIERS, json_schema_of, verify
from fulcrum.routing.policy.rules import VERIFIERS as RULE_VERIFIERS

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
TOOLS = [{"name": "Count", "input_schema": SCHEMA}]
ASK = {"model": "m", "max_tokens": 10, "messages": [], "tools": TOOLS}


def tool_use(name: str, value: Any) -> dict[str, Any]:
    block = {"type": "tool_use", "id": "toolu_1", "name": name, "input": value}
    return {"role": "assistant", "content": [block], "stop_reason": "tool_use"}


def text(words: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": words}]}


def test_every_rule_verifier_is_registered() -> None:
    assert set(RULE_VERIFIERS) == set(VERIFIERS)


def test_tool_calls_are_checked_against_the_declared_schemas() -> None:
    assert verify((), ASK, ASK, tool_use("Count", {"n": 3})) == (("tools",), [])
    checks, findings = verify((), ASK, ASK, tool_use("Count", {"n": "three"}))
    assert checks == ("tools",) and findings[0].tool == "Count"
    assert "n: 'three' is not of type 'integer'" in findings[0].problem
    _, findings = verify((), ASK, ASK, tool_use("Delete", {}))
    assert findings[0].tool == "Delete" and "unknown tool 'Delete'" in findings[0].problem
    assert findings[0].summary().startswith("tools (Delete): unknown tool")


def test_a_forced_tool_that_was_not_called_fails() -> None:
    forced = {**ASK, "tool_choice": {"type": "tool", "name": "Count"}}
    _, findings = verify((), forced, forced, text("no"))
    assert findings and findings[0].check == "tools"


OPENAI = {
    "model": "m",
    "messages": [],
    "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMA}},
}


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ('{"n": 1}', None),
        ('{"n": 1.5}', "n: 1.5 is not of type 'integer'"),
        ("sure, here it is", "the answer is not JSON"),
        ("", "the answer is not JSON"),
    ],
)
def test_the_answer_is_checked_against_the_json_schema(answer: str, problem: str | None) -> None:
    checks, findings = verify((), OPENAI, {}, text(answer))
    assert checks == ("json_schema",)
    if problem is None:
        assert findings == []
    else:
        assert findings[0].check == "json_schema" and problem in findings[0].problem


def test_the_schema_is_read_from_either_api() -> None:
    assert json_schema_of(OPENAI) == SCHEMA
    assert json_schema_of({"output_format": {"type": "json_schema", "schema": SCHEMA}}) == SCHEMA
    config = {"output_config": {"format": {"type": "json_schema", "schema": SCHEMA}}}
    assert json_schema_of(config) == SCHEMA
    assert json_schema_of({"response_format": {"type": "json_object"}}) is None
    assert json_schema_of({}) is None


def test_named_verifiers_run_only_where_they_apply() -> None:
    assert verify(("json_schema",), ASK, ASK, tool_use("Delete", {})) == ((), [])
    both = {**OPENAI, "tools": TOOLS}
    checks, _ = verify((), both, both, text('{"n": 1}'))
    assert checks == ("tools", "json_schema")
    # a turn that calls a tool is not the final answer: the JSON check leaves it alone
    assert verify(("json_schema",), both, both, tool_use("Count", {"n": 1})) == (
        ("json_schema",), [],
    )  # fmt: skip
