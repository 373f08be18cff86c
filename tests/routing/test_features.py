"""Request features from realistic Claude Code and OpenAI bodies."""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime
from typing import Any

from fulcrum.routing.features import TEXT_CAP, RequestFeatures, extract_features
from fulcrum.routing.request import route_request_from_anthropic, route_request_from_openai

from .policy import bodies

UA = {"User-Agent": "claude-cli/2.1.330 (external, cli)", "X-Team": "infra"}
AWS = "AKIA" + "Q7ZL3MX2B9TR4WNP"  # assembled, so the file holds no key-shaped literal


def features(body: dict[str, Any], **kw: Any) -> RequestFeatures:
    req = route_request_from_anthropic(body, UA)
    return extract_features(req, body, **kw)


def test_main_first_turn() -> None:
    f = features(bodies.first_turn("Add pagination"), client_key="ci-bot")
    assert (f.api, f.model, f.kind) == ("anthropic", "claude-sonnet-4-6", "main")
    assert f.user_agent.startswith("claude-cli/")
    assert f.headers["x-team"] == "infra"
    assert f.client_key == "ci-bot"
    assert (f.has_tools, f.tool_count) == (True, 20)
    assert f.cwd == "/home/ana/src/shop-api"
    assert f.repo == "shop-api"
    assert (f.turn, f.tool_errors) == (1, 0)
    assert f.text == "Add pagination"  # the claudeMd system reminder is not the user's text
    assert f.estimated_tokens > 1000
    assert f.secrets == ()


def test_subagent_title_compaction() -> None:
    assert features(bodies.subagent_body()).kind == "subagent"
    title = features(bodies.title_body())
    assert (title.kind, title.has_tools, title.cwd) == ("title", False, None)
    assert features(bodies.compaction_body()).kind == "compaction"


def test_tool_loop_counts_failures_in_a_row_at_the_tail() -> None:
    f = features(bodies.tool_loop(3, ok_before=2))
    assert (f.tool_errors, f.turn) == (3, 1)
    assert f.text == "Fix the failing test in tests/test_orders.py"
    assert features(bodies.tool_loop(0)).tool_errors == 0


def test_a_success_or_a_new_user_text_ends_the_row() -> None:
    body = bodies.tool_loop(2)
    body["messages"] += [bodies.tool_use(9), bodies.tool_result(9, "ok")]
    assert features(body).tool_errors == 0
    body = bodies.tool_loop(2)
    body["messages"] += [
        {"role": "assistant", "content": "Both failed."},
        bodies.user("try the other fixture"),
    ]
    f = features(body)
    assert (f.tool_errors, f.turn, f.text) == (0, 2, "try the other fixture")


def test_system_messages_inside_the_conversation_do_not_end_the_row() -> None:
    body = bodies.tool_loop(2)
    body["messages"].insert(-1, {"role": "system", "content": "# Environment update\n - x"})
    assert features(body).tool_errors == 2


def test_secrets_are_looked_for_in_the_new_part_only() -> None:
    body = bodies.tool_loop(0)
    body["messages"][2] = bodies.tool_result(0, f"aws_access_key_id={AWS}")  # an old result
    assert features(body).secrets == ()
    body["messages"] += [bodies.tool_use(7), bodies.tool_result(7, f"key {AWS}")]
    assert "aws-access-key" in features(body).secrets


def test_system_prompt_is_scanned_on_the_first_turn_only() -> None:
    body = bodies.first_turn()
    body["system"].append({"type": "text", "text": f"gitStatus: AWS_KEY={AWS}"})
    assert "aws-access-key" in features(body).secrets
    body["messages"] += [bodies.tool_use(1), bodies.tool_result(1, "3 passed")]
    assert features(body).secrets == ()


def test_thinking_and_local_time() -> None:
    body = bodies.first_turn()
    body["thinking"] = {"type": "enabled", "budget_tokens": 8000}
    f = features(body, now=datetime(2026, 3, 7, 23, 15))  # a Saturday
    assert (f.thinking, f.hour, f.minute, f.weekday) == (True, 23, 15, 5)
    body["thinking"] = {"type": "disabled"}
    assert features(body).thinking is False


def test_text_is_capped() -> None:
    assert len(features(bodies.first_turn("x" * (TEXT_CAP * 2))).text) == TEXT_CAP


def test_older_working_directory_line() -> None:
    body = bodies.first_turn()
    body["system"] = "You are Claude Code.\n<env>\nWorking directory: /srv/billing\n</env>"
    f = features(body)
    assert (f.cwd, f.repo) == ("/srv/billing", "billing")


def test_openai_body() -> None:
    body = {
        "model": "gpt-5",
        "reasoning_effort": "high",
        "tools": [{"type": "function", "function": {"name": "run", "parameters": {}}}],
        "messages": [
            {"role": "system", "content": "Working directory: /srv/api\n"},
            {"role": "user", "content": "Run the tests"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "c1", "content": f"Error: {AWS}"},
        ],
    }
    req = route_request_from_openai(body, {})
    f = extract_features(req, body)
    assert (f.api, f.thinking, f.tool_count, f.repo, f.turn) == ("openai", True, 1, "api", 1)
    assert f.tool_errors == 0  # OpenAI tool messages cannot flag an error
    assert "aws-access-key" in f.secrets
    assert extract_features(req, {**body, "reasoning_effort": "none"}).thinking is False


def test_odd_shapes_do_not_raise() -> None:
    body: dict[str, Any] = {
        "model": 3,
        "messages": [None, {"role": "user", "content": 5}, {"role": ["system"], "content": "x"}],
        "system": 7,
    }
    f = extract_features(route_request_from_anthropic(body, {}), body)
    assert (f.kind, f.turn, f.text, f.cwd) == ("other", 0, "", None)


def test_as_dict_is_json_ready() -> None:
    data = features(bodies.first_turn()).as_dict()
    assert json.loads(json.dumps(data))["headers"]["x-team"] == "infra"


def test_extraction_is_cheap_on_a_claude_code_sized_body() -> None:
    body = bodies.big_session(messages=40, tools_n=20, file_kb=5)
    raw = json.dumps(body).encode()
    assert 100_000 < len(raw) < 300_000
    req = route_request_from_anthropic(body, UA, raw_body=raw)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        extract_features(req, body)
        times.append(time.perf_counter() - start)
    # measured ~0.17 ms p50 on a loaded 2-core machine; scanning the whole conversation for
    # secrets instead of its new part alone takes over 2 ms on the same body
    assert statistics.median(times) < 0.0015


def test_a_first_turn_is_read_whole_and_a_later_one_new() -> None:
    """A first turn is all new, its tools included: a key in a tool's description is found
    before any pin exists; a later turn reads only what came after the last answer."""
    key = "AKIA" + "Q7WERTYUIOPASDFG"  # an AWS key id shape (no real key)
    tools = [{"name": "deploy", "description": f"uses {key}", "input_schema": {"type": "object"}}]
    first = {"model": "m", "max_tokens": 8, "tools": tools,
             "messages": [{"role": "user", "content": "ship it"}]}  # fmt: skip
    f = features(first)
    assert (f.scanned, f.secrets) == ("whole", ("aws-access-key",))
    later = {**first, "messages": [*first["messages"], {"role": "assistant", "content": "ok"},
                                   {"role": "user", "content": "again"}]}  # fmt: skip
    g = features(later)
    assert (g.scanned, g.secrets) == ("new", ())
