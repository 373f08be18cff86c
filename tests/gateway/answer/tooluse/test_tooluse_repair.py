from __future__ import annotations

import copy

from fulcrum.gateway.answer.tooluse.repair import (
    NOT_RUN,
    RETRY_HINT,
    forced_tool,
    prepare_forced_request,
    repair_request,
    tool_choice_violation,
)
from fulcrum.gateway.answer.tooluse.schema import ToolCallError, validate_tool_uses

from .tools import BASH, READ, TOOLS, request, text_response, tool_response


def test_repair_request_appends_the_bad_turn_and_error_results() -> None:
    original = request(stream=True)
    snapshot = copy.deepcopy(original)
    bad = tool_response(("Read", {"path": "a.py"}), ("Bash", {"command": "ls"}), text="Checking.")
    bad["content"].insert(0, {"type": "thinking", "thinking": "hmm", "signature": "sig"})
    errors = validate_tool_uses(bad, TOOLS)
    retry = repair_request(original, bad, errors)
    assert original == snapshot
    assert retry["stream"] is True and retry["tools"] == TOOLS
    assert retry["messages"][0] == original["messages"][0]
    assistant, user = retry["messages"][1:]
    assert assistant["role"] == "assistant"
    assert [b["type"] for b in assistant["content"]] == ["text", "tool_use", "tool_use"]
    assert user["role"] == "user"
    read_result, bash_result = user["content"]
    assert read_result["tool_use_id"] == "toolu_00" and read_result["is_error"] is True
    assert "'file_path' is a required property" in read_result["content"]
    assert read_result["content"].endswith(RETRY_HINT)
    assert bash_result == {
        "type": "tool_result",
        "tool_use_id": "toolu_01",
        "content": NOT_RUN,
        "is_error": True,
    }


def test_repair_for_an_error_without_a_call_uses_a_text_block() -> None:
    original = request(tool_choice={"type": "tool", "name": "Bash"})
    bad = text_response("There are 12 files.")
    violation = tool_choice_violation(original, bad)
    assert violation is not None
    retry = repair_request(original, bad, [violation])
    assistant, user = retry["messages"][1:]
    assert assistant["content"] == [{"type": "text", "text": "There are 12 files."}]
    assert user["content"] == [{"type": "text", "text": violation.message()}]
    assert "tool_choice requires a call of tool 'Bash'" in user["content"][0]["text"]


def test_repair_skips_an_empty_assistant_turn() -> None:
    retry = repair_request(request(), text_response("  "), [ToolCallError(None, None, ("x",))])
    assert [m["role"] for m in retry["messages"]] == ["user", "user"]


def test_forced_tool_parsing() -> None:
    assert forced_tool(request()) == (False, None)
    assert forced_tool(request(tool_choice={"type": "auto"})) == (False, None)
    assert forced_tool(request(tool_choice={"type": "any"})) == (True, None)
    assert forced_tool(request(tool_choice={"type": "tool", "name": "Read"})) == (True, "Read")
    assert forced_tool(request(tool_choice={"type": "tool"})) == (True, None)
    assert forced_tool({"tool_choice": {"type": "any"}}) == (False, None)  # no tools declared


def test_prepare_forced_request_for_a_named_tool() -> None:
    original = request(tool_choice={"type": "tool", "name": "Read"})
    prepared = prepare_forced_request(original)
    assert prepared["tools"] == [READ]
    assert prepared["tool_choice"] == {"type": "tool", "name": "Read"}
    assert prepared["system"][0] == original["system"][0]
    assert "calling the tool `Read`" in prepared["system"][-1]["text"]
    assert original["tools"] == TOOLS and len(original["system"]) == 1


def test_prepare_forced_request_for_any_tool_and_string_or_missing_system() -> None:
    any_tool = prepare_forced_request(request(tool_choice={"type": "any"}, system="Be terse."))
    assert any_tool["tools"] == TOOLS
    assert any_tool["system"].startswith("Be terse.\n\nYou must answer this turn by calling one")
    bare = {"tools": [BASH], "tool_choice": {"type": "any"}, "messages": []}
    assert prepare_forced_request(bare)["system"].startswith("You must answer")
    unknown = prepare_forced_request(request(tool_choice={"type": "tool", "name": "Nope"}))
    assert unknown["tools"] == TOOLS  # nothing to narrow to: keep the declared set
    plain = request()
    assert prepare_forced_request(plain) == plain


def test_tool_choice_violation_cases() -> None:
    named = request(tool_choice={"type": "tool", "name": "Bash"})
    assert tool_choice_violation(named, tool_response(("Bash", {"command": "ls"}))) is None
    wrong = tool_choice_violation(named, tool_response(("Read", {"file_path": "x"})))
    assert wrong is not None and "the response has calls of Read" in wrong.problems[0]
    anyc = request(tool_choice={"type": "any"})
    assert tool_choice_violation(anyc, tool_response(("Read", {"file_path": "x"}))) is None
    missing = tool_choice_violation(anyc, text_response("no"))
    assert missing is not None and missing.problems == (
        "tool_choice requires a tool call, but the response has no tool call",
    )
    assert tool_choice_violation(request(), text_response("fine")) is None
