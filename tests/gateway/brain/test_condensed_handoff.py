"""A session handed off to the frontier goes with its history condensed, on real loopback
servers: the frontier reads the task whole, the earlier turns as a summary and the last turn as
it was, the same prefix on every later turn; the ledger prices the move at what was sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.gateway.config import load_config
from fulcrum.routing.brain.decide import Brain
from fulcrum.testing.claude_code import run_headless
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.postgres import PostgresCluster

from ..helpers import post_json
from .helpers import Explain, ask, brain_config, ledger_rows, tool_loop, user

# a failing test run's output (its cause at the end, as a real one's is)
LOG = "\n".join(f"tests/test_{i}.py::test_case PASSED" for i in range(200)) + (
    "\nE   AssertionError: expected 3, got 4\nFAILED tests/test_cache.py::test_expiry"
)
TASK = "Make the cache tests pass"
HANDOFF = """
[policy]
otherwise = "local"
{extra}
[[policy.rules]]
name = "stuck-locally"
when = {{ tool_errors_min = 3 }}
handoff = true
"""
SUMMARY = "[fulcrum] This session was handed over to you from local"


def decisions(session: str) -> list[dict[str, Any]]:
    rows = sorted((r for r in ledger_rows() if r.session == session), key=lambda r: r.ts)
    return [json.loads(r.decision or "{}") for r in rows]


def test_a_handoff_sends_the_history_condensed_and_later_turns_the_same_way(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    config = brain_config(fake_anthropic.url, fake_openai.url, HANDOFF.format(extra=""))
    explain = Explain(tmp_path, config, capsys)
    failing = tool_loop(4, TASK, output=LOG, failed=True)
    later = [*failing, {"role": "assistant", "content": "Fixed: the expiry used seconds."},
             *user("now run the whole suite")]  # fmt: skip
    own_summary = [*user("Summary of the work so far: the expiry is fixed."),
                   {"role": "assistant", "content": "Noted."},
                   *user("run the suite again")]  # fmt: skip
    with running_gateway(config) as gw:
        assert ask(gw, "H", tool_loop(2, TASK, output=LOG, failed=True))[0] == 200  # local
        assert any("sends the history condensed" in n for n in explain("H", failing)["notes"])
        assert ask(gw, "H", failing)[0] == 200  # three failures: handed off
        assert "its first 7 messages go as the opening ones" in " ".join(
            explain("H", later)["notes"]
        )
        assert ask(gw, "H", later)[0] == 200
        assert ask(gw, "H", own_summary)[0] == 200  # the client compacted on its own
    moved, again, whole = (r.body for r in fake_anthropic.requests)
    assert moved is not None and again is not None and whole is not None
    sent = moved["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1:] == failing[-2:]  # the last call and its failed result, as they were
    head = sent[0]["content"]
    assert head[0] == {"type": "text", "text": TASK}
    assert head[-1]["text"].startswith(SUMMARY) and head[-1]["text"].count("error from Bash") == 3
    assert "expected 3, got 4" in head[-1]["text"]
    assert again["messages"][0] == sent[0] and again["messages"][1:] == later[-4:]
    assert whole["messages"] == own_summary
    first, move, sticky, compacted = decisions("H")
    assert first["reason"] == "otherwise" and move["reason"] == "handoff:stuck-locally"
    assert move["events"] == ["handoff", "condensed"]
    price = move["handoff"]
    assert 0 < 2 * price["uncached_tokens"] < price["condensed_from_tokens"]
    assert (sticky["reason"], sticky["events"]) == ("sticky", ["condensed"])
    assert compacted["events"] == []


def test_an_openai_client_escalated_twice_moves_once_condensed(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, HANDOFF.format(extra=""))
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a coding agent."},
                                      {"role": "user", "content": TASK}]  # fmt: skip
    for n in range(3):
        call = {"id": f"call_{n}", "type": "function",
                "function": {"name": "shell", "arguments": '{"cmd": "pytest"}'}}  # fmt: skip
        messages += [{"role": "assistant", "content": None, "tool_calls": [call]},
                     {"role": "tool", "tool_call_id": f"call_{n}", "content": LOG}]  # fmt: skip
    headers = {"x-fulcrum-session": "O", "x-fulcrum-escalate": "frontier"}

    def chat(history: list[dict[str, Any]], extra: dict[str, str]) -> int:
        body = {"model": "claude-sonnet-4-6", "max_tokens": 32, "messages": history}
        return post_json(gw, "/v1/chat/completions", body, {**headers, **extra})[0]

    with running_gateway(config) as gw:
        assert chat(messages[:2], {"x-fulcrum-escalate": ""}) == 200  # local
        assert chat(messages, {}) == 200  # escalated: moved
        assert chat([*messages, {"role": "user", "content": "and again"}], {}) == 200
    moved, again = (r.body for r in fake_anthropic.requests)
    assert moved is not None and again is not None
    assert moved["system"] == [{"type": "text", "text": "You are a coding agent."}]  # kept
    text = json.dumps(moved["messages"][0]["content"])
    assert TASK in text and "assistant called shell" in text
    assert len(moved["messages"]) == 3 and again["messages"][0] == moved["messages"][0]
    reasons = [(d["reason"], d["events"]) for d in decisions("O")]
    assert reasons == [
        ("otherwise", []),
        ("escalate:header", ["handoff", "condensed"]),
        ("sticky", ["condensed"]),
    ]


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.mark.postgres
def test_on_postgresql_the_condensed_move_is_pinned_off_the_loop(
    pg_cluster: PostgresCluster, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    url = pg_cluster.create_database()
    config = brain_config(fake_anthropic.url, fake_openai.url, HANDOFF.format(extra=""),
                          ledger_url=url)  # fmt: skip
    condensed, where = Brain.condensed, []

    def recorded(self: Brain, *args: Any) -> Any:
        where.append(_on_loop())
        return condensed(self, *args)

    monkeypatch.setattr(Brain, "condensed", recorded)
    failing = tool_loop(4, TASK, output=LOG, failed=True)
    later = [*failing, {"role": "assistant", "content": "Fixed."}, *user("run the suite")]
    with running_gateway(config) as gw:
        assert ask(gw, "P", tool_loop(2, TASK, output=LOG, failed=True))[0] == 200  # local
        assert ask(gw, "P", failing)[0] == 200  # handed off, condensed
        assert ask(gw, "P", later)[0] == 200  # the pin, read back from PostgreSQL
    assert where == [False]  # the move's pin went to the database from a worker thread
    moved, again = (r.body for r in fake_anthropic.requests)
    assert moved is not None and again is not None
    assert again["messages"][0] == moved["messages"][0]  # condensed at the same cut
    rows = sorted((r for r in ledger_rows(url) if r.session == "P"), key=lambda r: r.ts)
    reasons = [json.loads(r.decision or "{}")["reason"] for r in rows]
    assert reasons == ["otherwise", "handoff:stuck-locally", "sticky"]


def test_condensing_can_be_turned_off(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = HANDOFF.format(extra="condense_handoffs = false")
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    failing = tool_loop(4, TASK, output=LOG, failed=True)
    with running_gateway(config) as gw:
        assert ask(gw, "W", tool_loop(2, TASK, output=LOG, failed=True))[0] == 200
        assert ask(gw, "W", failing)[0] == 200
    (sent,) = (r.body for r in fake_anthropic.requests)
    assert sent is not None and sent["messages"] == failing
    move = decisions("W")[1]
    assert move["events"] == ["handoff"] and "condensed_from_tokens" not in move["handoff"]


def test_a_bad_value_is_refused_at_start_up_naming_the_field() -> None:
    policy = HANDOFF.format(extra='condense_handoffs = "yes"')
    with pytest.raises(ConfigError, match=r"policy\.condense_handoffs.*true or false"):
        load_config(text=brain_config("http://127.0.0.1:9", "http://127.0.0.1:9", policy), env={})


@pytest.mark.claude_code
def test_claude_code_handed_off_after_failed_commands_goes_condensed(
    claude_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The real Claude Code on a local model: its long failing commands count as tool failures,
    the second hands the session off, and the frontier reads it condensed."""
    noisy = {"command": "seq 1 3000; exit 1", "description": "count, then fail"}
    fake_openai.push(ToolCall("Bash", noisy, then=ToolCall("Bash", noisy)))
    fake_anthropic.push(Reply("The count ran and the command exited with 1."))
    policy = HANDOFF.format(extra="").replace("tool_errors_min = 3", "tool_errors_min = 2")
    with running_gateway(brain_config(fake_anthropic.url, fake_openai.url, policy)) as gw:
        run = run_headless(claude_cli, gw.url, "Count to 3000 with seq, then fail.", tmp_path)
        gw.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert "exited with 1" in json.loads(run.stdout)["result"]
    (moved,) = (r.body for r in fake_anthropic.requests if r.body and r.body.get("tools"))
    messages = moved["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    summary = messages[0]["content"][-1]["text"]
    assert summary.startswith(SUMMARY) and "error from Bash" in summary and "3000" in summary
    assert messages[2]["content"][0]["type"] == "tool_result"  # the last result, paired
    main = [r for r in ledger_rows() if r.model == "claude-sonnet-4-6" and r.backend_kind]
    move = next(json.loads(r.decision or "{}") for r in main if r.backend == "frontier")
    assert move["events"] == ["handoff", "condensed"]
    saved = move["handoff"]["condensed_from_tokens"] - move["handoff"]["uncached_tokens"]
    assert saved > 2000  # the first run's 14 KB of output, clipped (the prompt and tools stay)


def test_a_move_the_budget_keeps_local_sends_the_history_whole(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = HANDOFF.format(extra="") + "[policy.budget]\ndaily_usd = 0.000001\n"
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    failing = tool_loop(4, TASK, output=LOG, failed=True)
    with running_gateway(config) as gw:
        assert ask(gw, "B", tool_loop(2, TASK, output=LOG, failed=True))[0] == 200
        assert ask(gw, "B", failing)[0] == 200  # the move does not fit the budget: local
    assert not fake_anthropic.requests
    last = fake_openai.requests[-1].body
    assert last is not None and len(last["messages"]) == len(failing)  # nothing condensed
    move = decisions("B")[1]
    assert move["events"] == ["handoff", "budget-degraded"]
