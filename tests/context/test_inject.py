from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from fulcrum.context.inject import CHARS_PER_TOKEN, INJECTORS, pack, turn_query
from fulcrum.context.service import ContextConfig, ContextService

from .helpers import HashEmbedder

QUESTION = "How are the settings read from the TOML file?"


@pytest.fixture
def service(repo: Path, tmp_path: Path) -> Iterator[ContextService]:
    svc = ContextService(ContextConfig(root=repo, data=tmp_path / "data"), embedder=HashEmbedder())
    yield svc
    svc.close()


def test_anthropic_request_gets_a_system_block_within_budget(service: ContextService) -> None:
    body = {
        "model": "claude-sonnet-4-6",
        "system": "You are a coding agent.",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        ],
    }
    before = copy.deepcopy(body)
    done = INJECTORS["anthropic"](body, service, 300, 8)
    assert body == before  # the caller's body is untouched
    assert done.body["system"][0] == {"type": "text", "text": "You are a coding agent."}
    added = done.body["system"][1]["text"]
    assert "pkg/config.py:6-9 load_settings" in added
    assert done.added_tokens == round(len(added) / CHARS_PER_TOKEN) <= 300
    assert done.body["messages"] == body["messages"]


def test_openai_request_gets_a_leading_system_message(service: ContextService) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": QUESTION}]}
    done = INJECTORS["openai"](body, service, 1500, 8)
    assert done.body["messages"][0]["role"] == "system"
    assert "load_settings" in done.body["messages"][0]["content"]
    assert done.body["messages"][1:] == body["messages"] and done.added_tokens > 0


def test_nothing_is_added_without_a_query_or_room(service: ContextService) -> None:
    tool_only = {
        "messages": [{"role": "user", "content": [{"type": "tool_result", "content": "x"}]}]
    }
    assert INJECTORS["anthropic"](tool_only, service, 1500, 8).added_tokens == 0
    tiny = {"messages": [{"role": "user", "content": QUESTION}]}
    done = INJECTORS["anthropic"](tiny, service, 10, 8)
    assert done.added_tokens == 0 and done.body is tiny
    assert turn_query([]) == "" and pack([], 100) == ("", [])
