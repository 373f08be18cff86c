"""A session whose local server fails moves to the frontier as a handoff moves it, on real
loopback servers: the history condensed, the move priced and held in the budget, the session
pinned there with its cut; a budget that keeps the session local keeps the local failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.gateway.upstream.attempts import FAILOVER
from fulcrum.testing.claude_code import run_headless
from fulcrum.testing.gateway import running_gateway

from ..helpers import post_json
from .helpers import ask, brain_config, ledger_rows, tool_loop, user
from .test_condensed_handoff import LOG, TASK, decisions

LOCAL = """
[policy]
otherwise = "local"
{extra}
"""
MOVED = "[fulcrum] This session was handed over to you from local/qwen-local"
SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}}
TOOLS = [{"name": "Bash", "description": "Run a command", "input_schema": SCHEMA}]


def test_a_session_whose_local_server_fails_moves_condensed_and_stays(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, LOCAL.format(extra=""))
    history = tool_loop(4, TASK, output=LOG)
    later = [*history, {"role": "assistant", "content": "The tests pass."}, *user("commit it")]
    with running_gateway(config) as gw:
        assert ask(gw, "F", tool_loop(1, TASK, output=LOG))[0] == 200  # local answers
        fake_openai.push(Fail(status=500))
        status, _, answer = ask(gw, "F", history)  # the local server fails: the frontier answers
        assert status == 200 and json.loads(answer)["type"] == "message"
        assert ask(gw, "F", later)[0] == 200  # the session stays on the frontier
    assert len(fake_openai.requests) == 2  # the first turn and the failed try, nothing later
    moved, again = (r.body for r in fake_anthropic.requests)
    assert moved is not None and again is not None
    sent = moved["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1:] == history[-2:]  # the last call and its result as they were
    assert sent[0]["content"][-1]["text"].startswith(MOVED)
    assert again["messages"][0] == sent[0] and again["messages"][1:] == later[-4:]
    first, move, sticky = decisions("F")
    assert first["reason"] == "otherwise"
    assert (move["reason"], move["events"]) == (
        "failover:sticky",
        ["failover", "handoff", "condensed"],
    )
    price = move["handoff"]
    assert price["from"] == "local/qwen-local" and price["to"] == "frontier/claude-sonnet-4-6"
    assert 0 < 2 * price["uncached_tokens"] < price["condensed_from_tokens"]
    assert float(price["cache_cost_usd"]) > 0
    assert (sticky["reason"], sticky["events"]) == ("sticky", ["condensed"])
    row = next(r for r in ledger_rows() if r.session == "F" and r.backend == "frontier")
    assert row.route_reason is not None and row.route_reason.endswith(FAILOVER)
    assert [(a.backend, a.failed) for a in row.attempts] == [("local", True), ("frontier", False)]


def test_a_tool_using_stream_moves_too(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """Claude Code's requests (tools, streamed) take the tool-checked path on a local route."""
    policy = LOCAL.format(extra="condense_handoffs = false")
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    history = tool_loop(3, TASK, output=LOG)
    body = {"model": "claude-sonnet-4-6", "max_tokens": 64, "stream": True, "tools": TOOLS,
            "messages": history}  # fmt: skip
    with running_gateway(config) as gw:
        fake_openai.push(Fail(status=503))
        status, headers, data = post_json(gw, "/v1/messages", body, {"x-fulcrum-session": "T"})
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    assert b"event: message_stop" in data
    (sent,) = (r.body for r in fake_anthropic.requests)
    assert sent is not None and sent["messages"] == history  # condensing off: sent whole
    (move,) = decisions("T")
    assert move["events"] == ["failover", "handoff"]
    assert move["handoff"]["uncached_tokens"] > 0 and "condensed_from_tokens" not in move["handoff"]


def test_a_budget_that_keeps_the_session_local_keeps_the_local_failure(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = LOCAL.format(extra="[policy.budget]\ndaily_usd = 0.000001")
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    with running_gateway(config) as gw:
        fake_openai.push(Fail(status=500))
        status, _, answer = ask(gw, "B", tool_loop(2, TASK, output=LOG))
        assert ask(gw, "B", user("again"))[0] == 200  # still local: the session never moved
    assert status >= 500 and "local" in json.loads(answer)["error"]["message"]
    assert not fake_anthropic.requests and len(fake_openai.requests) == 2
    assert [d["reason"] for d in decisions("B")] == ["otherwise", "sticky"]


def test_without_a_session_the_chain_fails_over_as_before(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """A request of no session (its client names none, conversations are not sessions)."""
    policy = LOCAL.format(extra="conversation_sessions = false")
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    body: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 16,
                            "messages": tool_loop(4, TASK, output=LOG)}  # fmt: skip
    with running_gateway(config) as gw:
        fake_openai.push(Fail(status=500))
        assert post_json(gw, "/v1/messages", body)[0] == 200
    (sent,) = (r.body for r in fake_anthropic.requests)
    assert sent is not None and sent["messages"] == body["messages"]  # whole: no move to pin
    (row,) = ledger_rows()
    assert json.loads(row.decision or "{}")["events"] == []


@pytest.mark.claude_code
def test_claude_code_on_a_local_server_that_fails_goes_on_on_the_frontier(
    claude_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The real Claude Code on a local model: after two commands the local server fails, the
    session goes on on the frontier with its history condensed, and Claude Code never sees it."""
    count = {"command": "seq 1 3000", "description": "count"}
    done = {"command": "echo counted", "description": "say so"}
    fake_openai.push(ToolCall("Bash", count, then=ToolCall("Bash", done, then=Fail(status=500))))
    fake_anthropic.push(Reply("Counted to 3000."))
    with running_gateway(
        brain_config(fake_anthropic.url, fake_openai.url, LOCAL.format(extra=""))
    ) as gw:
        run = run_headless(claude_cli, gw.url, "Count to 3000 with seq, then say so.", tmp_path)
        gw.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout)["result"] == "Counted to 3000."
    (moved,) = (r.body for r in fake_anthropic.requests if r.body and r.body.get("tools"))
    messages = moved["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    summary = messages[0]["content"][-1]["text"]
    assert summary.startswith(MOVED) and "3000" in summary
    assert messages[2]["content"][0]["type"] == "tool_result"  # the last result, paired
    main = [r for r in ledger_rows() if r.backend == "frontier" and r.decision]
    move = json.loads(main[0].decision or "{}")
    assert move["events"] == ["failover", "handoff", "condensed"]
    assert move["handoff"]["condensed_from_tokens"] - move["handoff"]["uncached_tokens"] > 2000


def test_a_failover_on_the_frontier_side_pins_the_session_where_it_was_answered(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """No move (both sides of the failover are api backends): the session is only pinned on
    the backend that answered, and its next turn goes there first."""
    backup = f'[backends.backup]\nformat = "openai"\nbase_url = "{fake_openai.url}"\nkind = "api"\n'
    config = brain_config(fake_anthropic.url, fake_openai.url, '[policy]\notherwise = "frontier"')
    config = config.replace("[routes]", backup + "[routes]").replace(
        'fallbacks = ["frontier"]', 'fallbacks = ["frontier", "backup"]'
    )
    with running_gateway(config) as gw:
        fake_anthropic.push(Fail(status=500))
        assert ask(gw, "P", user("first"))[0] == 200  # the second api backend answered
        assert ask(gw, "P", user("second"))[0] == 200
    assert len(fake_anthropic.requests) == 1 and len(fake_openai.requests) == 2
    assert [d["events"] for d in decisions("P")] == [[], []]
    assert [r.backend for r in sorted(ledger_rows(), key=lambda r: r.ts)] == ["backup", "backup"]
