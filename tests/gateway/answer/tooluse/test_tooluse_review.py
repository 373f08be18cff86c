from __future__ import annotations

import json

from fulcrum.gateway.answer.tooluse import (
    ToolUseOutcome,
    parse_string_inputs,
    prepare_forced_request,
    review_response,
)

from .tools import request, text_response, tool_response


def test_valid_response_passes_untouched() -> None:
    outcome = ToolUseOutcome()
    response = tool_response(("Bash", {"command": "ls"}))
    review = review_response(request(), response, outcome, retry_allowed=True)
    assert review.body == response
    assert (review.errors, review.retry_request) == ((), None)
    assert outcome == ToolUseOutcome(0, 0, 0)
    assert outcome.ledger_fields() == {"tool_repairs": 0, "tool_retries": 0}


def test_text_printed_call_is_recovered_and_counted_as_a_repair() -> None:
    outcome = ToolUseOutcome()
    text = '<tool_call>{"name": "Bash", "arguments": {"command": "ls src"}}</tool_call>'
    review = review_response(request(), text_response(text), outcome, retry_allowed=True)
    assert review.retry_request is None
    assert review.body["stop_reason"] == "tool_use"
    assert outcome.ledger_fields() == {"tool_repairs": 1, "tool_retries": 0}


def test_invalid_call_gets_one_retry_then_is_counted_invalid() -> None:
    outcome = ToolUseOutcome()
    req = request()
    bad = tool_response(("Read", {"file": "a.py"}))
    first = review_response(req, bad, outcome, retry_allowed=True)
    assert first.retry_request is not None
    assert first.errors[0].tool == "Read"
    assert first.retry_request["messages"][-1]["content"][0]["is_error"] is True
    second = review_response(req, bad, outcome, retry_allowed=False)
    assert second.retry_request is None
    assert second.body == bad  # returned as the model gave it
    assert (outcome.repairs, outcome.retries, outcome.invalid) == (0, 1, 1)


def test_retry_that_succeeds_leaves_nothing_invalid() -> None:
    outcome = ToolUseOutcome()
    req = request()
    first = review_response(req, tool_response(("Bash", {})), outcome, retry_allowed=True)
    assert first.retry_request is not None
    good = tool_response(("Bash", {"command": "ls"}))
    second = review_response(req, good, outcome, retry_allowed=False)
    assert second.errors == ()
    assert outcome.ledger_fields() == {"tool_repairs": 0, "tool_retries": 1}
    assert outcome.invalid == 0


def test_forced_tool_ignored_by_the_model_is_retried() -> None:
    outcome = ToolUseOutcome()
    req = prepare_forced_request(request(tool_choice={"type": "tool", "name": "Bash"}))
    review = review_response(req, text_response("12 files."), outcome, retry_allowed=True)
    assert review.retry_request is not None
    assert "tool_choice requires" in review.retry_request["messages"][-1]["content"][0]["text"]
    assert review.retry_request["tools"] == req["tools"]
    assert outcome.retries == 1


def test_string_input_is_parsed_and_counted() -> None:
    outcome = ToolUseOutcome()
    response = tool_response(("Bash", json.dumps({"command": "ls"})))
    review = review_response(request(), response, outcome, retry_allowed=True)
    assert review.body["content"][0]["input"] == {"command": "ls"}
    assert review.retry_request is None
    assert outcome.repairs == 1
    assert response["content"][0]["input"] == '{"command": "ls"}'  # not mutated


def test_parse_string_inputs_leaves_non_json_strings() -> None:
    body, fixed = parse_string_inputs(tool_response(("Bash", "ls -la"), ("Read", "")))
    assert fixed == 1
    assert [b["input"] for b in body["content"]] == ["ls -la", {}]
    assert parse_string_inputs({"content": None}) == ({"content": None}, 0)


def test_no_tools_or_tool_choice_none_skips_the_check() -> None:
    outcome = ToolUseOutcome()
    text = text_response('{"name": "Bash", "arguments": {"command": "ls"}}')
    no_tools: dict[str, object] = {"messages": []}
    assert review_response(no_tools, text, outcome, retry_allowed=True).body == text
    none = request(tool_choice={"type": "none"})
    assert review_response(none, text, outcome, retry_allowed=True).body == text
    assert outcome == ToolUseOutcome()
