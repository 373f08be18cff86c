from __future__ import annotations

from typing import Any

from fulcrum.gateway.answer.tooluse.schema import (
    ToolCallError,
    cache_info,
    tool_schemas,
    validate_tool_input,
    validate_tool_uses,
)

from .tools import BASH, READ, TOOLS, tool_response


def test_valid_calls_have_no_errors() -> None:
    response = tool_response(
        ("Bash", {"command": "ls"}), ("Read", {"file_path": "a.py", "limit": 5})
    )
    assert validate_tool_uses(response, TOOLS) == []


def test_missing_required_and_wrong_types_are_reported_with_paths() -> None:
    errors = validate_tool_uses(
        tool_response(("Read", {"file_path": 3, "offset": -1}), ("Bash", {"cmd": "ls"})), TOOLS
    )
    assert [e.tool for e in errors] == ["Read", "Bash"]
    assert [e.tool_use_id for e in errors] == ["toolu_00", "toolu_01"]
    read, bash = errors
    assert "file_path: 3 is not of type 'string'" in read.problems
    assert any(p.startswith("offset: -1 is less than the minimum") for p in read.problems)
    assert any("'command' is a required property" in p for p in bash.problems)
    assert any("Additional properties are not allowed ('cmd'" in p for p in bash.problems)
    assert bash.message().startswith("Invalid call of tool 'Bash': (root): ")


def test_unknown_tool_and_non_object_input() -> None:
    errors = validate_tool_uses(tool_response(("Grep", {"q": "x"}), ("Bash", "ls -la")), TOOLS)
    assert errors[0] == ToolCallError(
        "toolu_00", "Grep", ("unknown tool 'Grep'; declared tools: Bash, Read, Edit",)
    )
    assert errors[1].problems == ("(root): 'ls -la' is not of type 'object'",)


def test_openai_shaped_tools_and_schema_less_server_tools() -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
        {"type": "web_search_20250305", "name": "web_search"},
        "junk",
        {"no": "name"},
    ]
    assert tool_schemas(tools) == {"f": {"type": "object"}, "web_search": {}}
    assert validate_tool_uses(tool_response(("web_search", {"anything": 1})), tools) == []
    assert validate_tool_uses(tool_response(("f", [])), tools)[0].tool == "f"


def test_invalid_or_unresolvable_schemas_accept_the_input() -> None:
    assert validate_tool_input({"type": "not-a-type"}, {"a": 1}) == []
    remote = {"$ref": "https://example.invalid/schema.json"}
    assert validate_tool_input(remote, {"a": 1}) == []


def test_draft_is_taken_from_dollar_schema() -> None:
    draft4 = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "maximum": 5,
        "exclusiveMaximum": True,
    }
    assert validate_tool_input(draft4, 5) != []
    assert validate_tool_input(draft4, 4) == []


def test_compiled_validators_are_cached_per_schema() -> None:
    schema = {"type": "object", "properties": {"unique_cache_probe": {"type": "string"}}}
    validate_tool_input(schema, {})
    before = cache_info()
    for _ in range(20):
        validate_tool_input(dict(schema), {"unique_cache_probe": "x"})
    after = cache_info()
    assert after.hits - before.hits == 20
    assert after.misses == before.misses


def test_problem_count_and_length_are_bounded() -> None:
    schema = {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(20)}}
    problems = validate_tool_input(schema, {f"p{i}": "x" * 1000 for i in range(20)})
    assert len(problems) == 8
    assert all(len(p) <= 300 for p in problems)


def test_responses_without_content_are_fine() -> None:
    assert validate_tool_uses({}, [BASH, READ]) == []
    assert validate_tool_uses({"content": "text"}, [BASH]) == []
