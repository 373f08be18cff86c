"""Request kinds from bodies shaped like the OpenCode CLI's (only short marker sentences
quoted): its main agent, its title and summary agents, its explore subagent."""

from __future__ import annotations

from typing import Any

import pytest

from fulcrum.routing.features import RequestFeatures, extract_features
from fulcrum.routing.request import route_request_from_anthropic

UA = {"user-agent": "opencode/1.18.33 ai-sdk/provider-utils/4.0.46", "x-session-id": "ses_1"}
ENV = "<env>\n  Working directory: /home/ana/shop-api\n  Is directory a git repo: yes\n</env>"
TOOLS = [{"name": "bash", "input_schema": {"type": "object"}}]


def body(system: str, *, tools: bool = True, text: str = "Add pagination") -> dict[str, Any]:
    out = {"model": "claude-sonnet-4-6", "max_tokens": 32000, "stream": True,
           "system": [{"type": "text", "text": system}],
           "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}]}  # fmt: skip
    return {**out, "tools": TOOLS} if tools else out


def features(b: dict[str, Any]) -> RequestFeatures:
    return extract_features(route_request_from_anthropic(b, UA), b)


@pytest.mark.parametrize(
    ("system", "tools", "kind"),
    [
        ("You are OpenCode, the best coding agent on the planet.\n" + ENV, True, "main"),
        ("You are opencode, an interactive CLI tool that helps users.\n" + ENV, True, "main"),
        ("You are a title generator. You output ONLY a thread title.", False, "title"),
        ("You are a context summarization agent. You are given a conversation", False,
         "compaction"),
        ("You are a file search specialist. You excel at thoroughly navigating", True,
         "subagent"),
        ("You are OpenCode, the best coding agent on the planet.", False, "background"),
        ("You are a helpful assistant.", True, "other"),
    ],
)  # fmt: skip
def test_each_opencode_agent_has_its_kind(system: str, tools: bool, kind: str) -> None:
    assert features(body(system, tools=tools)).kind == kind


def test_its_session_and_working_directory_are_read() -> None:
    f = features(body("You are OpenCode, the best coding agent on the planet.\n" + ENV))
    assert (f.kind, f.cwd, f.repo, f.turn) == ("main", "/home/ana/shop-api", "shop-api", 1)
    req = route_request_from_anthropic(body("x"), UA)
    assert req.session == "ses_1"
