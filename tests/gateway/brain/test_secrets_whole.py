"""Secrets the brain must see on a live gateway: count_tokens, unseen sessions, no sessions."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import post_json
from .helpers import SECRETS_RULE, ask, brain_config, ledger_rows, user

AWS = "AKIA" + "Q7ZL3MX2B9TR4WNP"  # assembled, so the file holds no key-shaped literal
POLICY = f'[policy]\notherwise = "frontier"\n{SECRETS_RULE}'


def leaked(fake: FakeAnthropic) -> list[str]:
    """The paths of the frontier's requests whose body held the key."""
    return [r.path for r in fake.requests if r.body and AWS in json.dumps(r.body)]


def count(gw: RunningGateway, messages: list[Any], session: str | None = None) -> tuple[str, str]:
    """(the backend a count went to, its source: backend or estimate)."""
    body = {"model": "claude-sonnet-4-6", "messages": messages}
    headers = {"x-fulcrum-session": session} if session else {}
    code, got, raw = post_json(gw, "/v1/messages/count_tokens", body, headers)
    assert code == 200 and json.loads(raw)["input_tokens"] > 0
    return got["x-fulcrum-backend"], got["x-fulcrum-count-source"]


def test_count_tokens_follows_the_brain_and_never_sends_a_secret_out(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    with running_gateway(config) as gw:
        assert count(gw, user("hello")) == ("frontier", "backend")
        assert count(gw, user(f"my key {AWS}")) == ("local", "estimate")
        assert ask(gw, "S", user(f"deploy with {AWS}"))[0] == 200  # pins S local
        assert count(gw, user("what next?"), session="S") == ("local", "estimate")
        assert count(gw, user("what next?"), session="T") == ("frontier", "backend")
    assert leaked(fake_anthropic) == []
    # a count is a dry decision: it pinned nothing, and only the chat call has a row
    assert [r.session for r in ledger_rows()] == ["S"]


def conversation(*texts: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for text in texts:
        out += [*user(text), {"role": "assistant", "content": "Done."}]
    return out[:-1]


def test_a_conversation_the_gateway_meets_mid_way_is_scanned_whole(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    resumed = conversation(f"my key is {AWS}", "thanks, now refactor main.py")
    prefill = [*user(f"my aws key is {AWS}"), {"role": "assistant", "content": "Here it is:"}]
    with running_gateway(config) as gw:
        for session, messages in (("resumed", resumed), ("prefill", prefill)):
            assert ask(gw, session, messages)[0] == 200
    assert {r.backend for r in ledger_rows()} == {"local"}
    assert leaked(fake_anthropic) == []


def test_without_conversation_sessions_every_turn_is_scanned_whole(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    policy = POLICY.replace("[policy]\n", "[policy]\nconversation_sessions = false\n", 1)
    config = brain_config(fake_anthropic.url, fake_openai.url, policy)
    first = [*user(f"here is my .env: AWS_KEY={AWS}")]
    body = {"model": "claude-sonnet-4-6", "max_tokens": 32}
    with running_gateway(config) as gw:
        for messages in (first, conversation(first[0]["content"], "thanks, now refactor main.py")):
            assert post_json(gw, "/v1/messages", {**body, "messages": messages})[0] == 200
    rows = ledger_rows()
    assert [r.backend for r in rows] == ["local", "local"]
    assert {r.route_reason for r in rows} == {"never-leaves:secrets-stay-home"}
    assert leaked(fake_anthropic) == []
