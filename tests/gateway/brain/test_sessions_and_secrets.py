"""The brain on real loopback servers: session lock through tool loops, secrets stay home."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI
from fulcrum.ledger import LedgerRow
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import claude_client, openai_client
from .helpers import SECRETS_RULE, ask, brain_config, ledger_rows, tool_loop, user

AWS_KEY = "aws_access_key_id = AKIAIOSFODNN7EXAMPLF"  # the shape of a real one, not a real one

POLICY = f"""
[policy]
otherwise = "local"
{SECRETS_RULE}
[[policy.rules]]
name = "architecture-to-frontier"
when = {{ text = ["(?i)architect"] }}
route = "frontier"
"""


def test_a_session_keeps_its_model_for_20_turns_of_tool_loops(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    with running_gateway(config) as gw:
        for turns in range(21):  # session A starts on the frontier, B locally
            assert ask(gw, "A", tool_loop(turns, "Plan the architecture of the cache"))[0] == 200
            assert ask(gw, "B", tool_loop(turns, "Fix the typo in README"))[0] == 200
        # B's latest turn now asks what would send a new session to the frontier: it stays.
        assert (
            ask(gw, "B", [*tool_loop(20, "Fix the typo"), *user("now re-architect it")])[0] == 200
        )
    rows = ledger_rows()
    by_session = {s: [r for r in rows if r.session == s] for s in ("A", "B")}
    assert {r.backend for r in by_session["A"]} == {"frontier"}
    assert {r.backend for r in by_session["B"]} == {"local"}
    assert len(by_session["A"]) == 21 and len(by_session["B"]) == 22
    first_a, *rest_a = sorted(by_session["A"], key=lambda r: r.ts)
    assert (first_a.rule, first_a.route_reason) == (
        "architecture-to-frontier",
        "rule:architecture-to-frontier",
    )
    assert {r.route_reason for r in rest_a} == {"sticky"}
    decision = json.loads(first_a.decision or "{}")
    assert decision["features"]["tools"] == 0 and "text" not in decision["features"]


def test_a_secret_forces_local_even_when_everything_else_says_frontier(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = f"""
[policy]
otherwise = "frontier"
{SECRETS_RULE}
[policy.budget]
daily_usd = 1000
"""
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    with running_gateway(config) as gw:
        assert ask(gw, "S", user("Explain this module"))[0] == 200  # pinned to the frontier
        leaked = [*user("Explain this module"), {"role": "assistant", "content": "Sure."},
                  *user(f"Why does this fail?\n{AWS_KEY}\n")]  # fmt: skip
        assert ask(gw, "S", leaked)[0] == 200
        assert ask(gw, "T", user(f"deploy with\n{AWS_KEY}"))[0] == 200
        # The local server fails: a request with a secret never fails over to the frontier.
        fake_openai.script.push(Fail(500))
        before = len(fake_anthropic.requests)
        assert ask(gw, "U", user(f"check {AWS_KEY}"))[0] >= 500
        assert len(fake_anthropic.requests) == before
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    assert [(r.session, r.backend) for r in rows] == [
        ("S", "frontier"), ("S", "local"), ("T", "local"), ("U", "local"),
    ]  # fmt: skip
    for row in rows[1:]:
        assert row.rule == "secrets-stay-home"
        assert row.route_reason == "never-leaves:secrets-stay-home"
        assert json.loads(row.decision or "{}")["features"]["secrets"]
    assert not any(AWS_KEY in json.dumps(r.body) for r in fake_anthropic.requests if r.body)


def test_an_escalation_header_moves_the_session_to_the_frontier(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    escalate = {"x-fulcrum-escalate": "frontier"}
    with running_gateway(config) as gw:
        assert ask(gw, "E", user("fix the typo"))[0] == 200
        assert ask(gw, "E", tool_loop(1, "fix the typo"), headers=escalate)[0] == 200
        assert ask(gw, "E", tool_loop(2, "fix the typo"))[0] == 200  # stays moved
        status, _, body = ask(gw, "E", user("x"), headers={"x-fulcrum-escalate": "up"})
        assert status == 400 and b"X-Fulcrum-Escalate" in body
    *rows, refused = sorted(ledger_rows(), key=lambda r: r.ts)
    assert [(r.backend, r.route_reason) for r in rows] == [
        ("local", "otherwise"), ("frontier", "escalate:header"), ("frontier", "sticky"),
    ]  # fmt: skip
    assert refused.status == 400 and "X-Fulcrum-Escalate" in (refused.error or "")
    handoff = json.loads(rows[1].decision or "{}")
    assert handoff["events"] == ["handoff"]
    moved = handoff["handoff"]
    assert (moved["from"], moved["to"]) == ("local", "frontier")
    assert moved["uncached_tokens"] > 0 and Decimal(moved["cache_cost_usd"]) > 0


def test_three_local_tool_failures_in_a_row_hand_the_session_off(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = """
[policy]
otherwise = "local"
[[policy.rules]]
name = "stuck-locally"
when = { tool_errors_min = 3 }
handoff = true
"""
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    failing = tool_loop(3, "make the tests pass", failed=True)  # every call failed
    with running_gateway(config) as gw:
        assert ask(gw, "H", tool_loop(2, "make the tests pass"))[0] == 200
        assert ask(gw, "H", failing)[0] == 200
        assert ask(gw, "H", [*failing, *user("thanks")])[0] == 200
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    assert [(r.backend, r.route_reason) for r in rows] == [
        ("local", "otherwise"), ("frontier", "handoff:stuck-locally"), ("frontier", "sticky"),
    ]  # fmt: skip
    assert rows[1].rule == "stuck-locally"


def _converse(gw: RunningGateway, opening: str, later: list[str], agent: str = "") -> None:
    """One conversation of the OpenAI SDK (which names no session): each turn sends it whole."""
    client = openai_client(gw)
    extra = {"User-Agent": agent} if agent else None
    messages: list[Any] = [{"role": "system", "content": "You are a coding assistant."},
                           {"role": "user", "content": opening}]  # fmt: skip
    for text in [None, *later]:
        if text is not None:
            messages += [{"role": "assistant", "content": "Done."},
                         {"role": "user", "content": text}]  # fmt: skip
        client.chat.completions.create(
            model="claude-sonnet-4-6", max_tokens=16, messages=messages, extra_headers=extra
        )


# two conversations: each opening sends a new session one way, its later turns the other way
ARCH = ("Plan the architecture of the cache", ["Now fix the typo", "Thanks"])
TYPO = ("Fix the typo in README", ["Now re-architect the cache", "Thanks"])


def _three_conversations(config: str) -> list[LedgerRow]:
    """ARCH, TYPO, and ARCH again from another client; their rows in order."""
    with running_gateway(config) as gw:
        _converse(gw, *ARCH)
        _converse(gw, *TYPO)
        _converse(gw, *ARCH, agent="another-client/1.0")
    return sorted(ledger_rows(), key=lambda r: r.ts)


def test_a_client_that_names_no_session_keeps_its_model_through_its_conversation(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """A conversation is told by its opening (system prompt, first user message) and its
    client: pinned like a named session, each conversation decided on its own."""
    rows = _three_conversations(brain_config(fake_anthropic.url, fake_openai.url, POLICY))
    assert [r.backend for r in rows] == ["frontier"] * 3 + ["local"] * 3 + ["frontier"] * 3
    sessions = [r.session or "" for r in rows]
    assert all(s.startswith("conv:") for s in sessions)
    assert len(set(sessions)) == 3  # the same opening from another client is its own
    assert [r.route_reason for r in rows[:3]] == ["rule:architecture-to-frontier", "sticky",
                                                   "sticky"]  # fmt: skip


def test_without_conversation_sessions_each_request_is_decided_anew(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = POLICY.replace("[policy]\n", "[policy]\nconversation_sessions = false\n", 1)
    rows = _three_conversations(brain_config(fake_anthropic.url, fake_openai.url, policy))
    assert [r.backend for r in rows] == [
        "frontier", "local", "local", "local", "frontier", "local", "frontier", "local", "local",
    ]  # fmt: skip
    assert {r.session for r in rows} == {None}


def test_an_sdk_agent_of_no_session_keeps_its_model_for_20_turns_of_tool_loops(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """The Anthropic SDK's agent loop, no session named: its cache marker moves to the newest
    message every turn, its conversation stays one, on the model its first request chose."""
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    history = tool_loop(20, "Plan the architecture of the cache")
    with running_gateway(config) as gw:
        client = claude_client(gw)
        for end in range(1, len(history) + 1, 2):  # each request ends on a user message
            turn = [dict(m) for m in history[:end]]
            last = turn[-1]["content"]
            blocks = last if isinstance(last, list) else [{"type": "text", "text": last}]
            turn[-1]["content"] = [{**blocks[-1], "cache_control": {"type": "ephemeral"}}]
            client.messages.create(model="claude-sonnet-4-6", max_tokens=16, messages=turn)
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    assert len(rows) == 21 and {r.backend for r in rows} == {"frontier"}
    assert len({r.session for r in rows}) == 1
    assert [r.route_reason for r in rows] == ["rule:architecture-to-frontier"] + ["sticky"] * 20


def test_a_route_header_moves_the_session_where_it_says_but_not_a_secret(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    to_frontier = {"x-fulcrum-route": "frontier"}  # a backend's name
    with running_gateway(config) as gw:
        assert ask(gw, "R", user("fix the typo"))[0] == 200
        assert ask(gw, "R", tool_loop(1, "fix the typo"), headers=to_frontier)[0] == 200
        assert ask(gw, "R", tool_loop(2, "fix the typo"))[0] == 200  # stays moved
        assert ask(gw, "K", user(f"use {AWS_KEY}"), headers=to_frontier)[0] == 200
        status, _, body = ask(gw, "R", user("x"), headers={"x-fulcrum-route": "nowhere"})
        assert status == 400 and b"X-Fulcrum-Route: unknown alias or backend 'nowhere'" in body
    *rows, refused = sorted(ledger_rows(), key=lambda r: r.ts)
    assert [(r.session, r.backend, r.route_reason) for r in rows] == [
        ("R", "local", "otherwise"), ("R", "frontier", "header"), ("R", "frontier", "sticky"),
        ("K", "local", "never-leaves:secrets-stay-home"),
    ]  # fmt: skip
    assert refused.status == 400


HELD = f"""
[policy]
otherwise = "local"
{SECRETS_RULE}
[[policy.rules]]
name = "stuck-locally"
when = {{ tool_errors_min = 3 }}
handoff = true
"""


def test_a_session_a_secret_kept_home_never_leaves_later(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    # later turns carry the secret in their history (the detector reads the new turn): no
    # handoff, escalation, route header or failover may take the session to the frontier
    config = brain_config(fake_anthropic.url, fake_openai.url, HELD)
    opening = f"deploy with {AWS_KEY}"
    with running_gateway(config) as gw:
        assert ask(gw, "H", user(opening))[0] == 200
        assert ask(gw, "H", tool_loop(3, opening, failed=True))[0] == 200  # the handoff rule
        moves = ({"x-fulcrum-escalate": "frontier"}, {"x-fulcrum-route": "frontier"})
        for n, move in enumerate(moves, 4):
            assert ask(gw, "H", tool_loop(n, opening), headers=move)[0] == 200
        fake_openai.script.push(Fail(500))  # the local server fails: no failover either
        assert ask(gw, "H", tool_loop(6, opening))[0] >= 500
    assert not fake_anthropic.requests
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    assert {r.backend for r in rows} == {"local"}
    assert {r.route_reason for r in rows} == {"never-leaves:secrets-stay-home"}


def test_a_session_id_is_each_client_keys_own(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bob naming the session alice pinned to the frontier gets his own session (his rule
    # decides it), not her pin
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alice:key-a,bob:key-b")
    policy = """
[policy]
otherwise = "frontier"
[[policy.rules]]
name = "bob-local"
when = { client_key = "bob" }
route = "local"
"""
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    with running_gateway(config) as gw:
        for key in ("key-a", "key-b", "key-a"):
            assert ask(gw, "shared", user("hello"), headers={"x-api-key": key})[0] == 200
    rows = sorted(ledger_rows(), key=lambda r: r.ts)
    keys = [json.loads(r.decision or "{}")["features"]["client_key"] for r in rows]
    assert [(k, r.backend, r.route_reason) for k, r in zip(keys, rows, strict=True)] == [
        ("alice", "frontier", "otherwise"), ("bob", "local", "rule:bob-local"),
        ("alice", "frontier", "sticky"),
    ]  # fmt: skip
