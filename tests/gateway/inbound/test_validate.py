"""The body checks name the first wrong field, what it accepts and what it got."""

from __future__ import annotations

from typing import Any

import pytest

from fulcrum.errors import InvalidRequest
from fulcrum.gateway.inbound.validate import check_anthropic, check_openai

HI = [{"role": "user", "content": "hi"}]
ANTHROPIC: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": HI}
OPENAI: dict[str, Any] = {"model": "gpt-4o-mini", "messages": HI}


def _error(check: Any, body: dict[str, Any], **kw: Any) -> tuple[str, str | None]:
    with pytest.raises(InvalidRequest) as caught:
        check(body, **kw)
    return caught.value.message, caught.value.param


@pytest.mark.parametrize(
    ("change", "message", "param"),
    [
        ({"model": ""}, "model: expected a non-empty string, got str", "model"),
        ({"model": None}, "model: expected a non-empty string, got null", "model"),
        ({"model": "a\nb"}, "model: expected a name without control characters, got 'a\\nb'",
         "model"),
        ({"messages": {}}, "messages: expected a list of message objects, got dict", "messages"),
        ({"messages": [HI[0], "x"]}, "messages.1: expected an object with role and content, "
         "got str", "messages.1"),
        ({"messages": [{"content": "x"}]}, "messages.0.role: expected a string, got null",
         "messages.0.role"),
        ({"messages": [{"role": "tool", "content": "x"}]},
         "messages.0.role: expected one of user, assistant, system, got 'tool'", "messages.0.role"),
        ({"messages": [{"role": "user", "content": 1.5}]},
         "messages.0.content: expected a string or a list of content blocks, got float",
         "messages.0.content"),
        ({"max_tokens": None}, "max_tokens: expected a positive integer, got null", "max_tokens"),
        ({"max_tokens": True}, "max_tokens: expected a positive integer, got bool", "max_tokens"),
        ({"max_tokens": 0}, "max_tokens: expected a positive integer, got 0", "max_tokens"),
        ({"max_tokens": 2.0}, "max_tokens: expected a positive integer, got float", "max_tokens"),
        ({"stream": 1}, "stream: expected true or false, got int", "stream"),
        ({"system": 3}, "system: expected a string or a list of text blocks, got int", "system"),
        ({"tools": {}}, "tools: expected a list of tool definitions, got dict", "tools"),
        ({"metadata": []}, "metadata: expected an object, got list", "metadata"),
        # the first wrong field is named: max_tokens before stream, stream before system
        ({"max_tokens": -1, "stream": "yes"}, "max_tokens: expected a positive integer, got -1",
         "max_tokens"),
        ({"stream": "yes", "system": 3}, "stream: expected true or false, got str", "stream"),
    ],
)  # fmt: skip
def test_anthropic_bodies(change: dict[str, Any], message: str, param: str) -> None:
    assert _error(check_anthropic, {**ANTHROPIC, **change}) == (message, param)


def test_anthropic_null_optional_fields_and_a_good_body_pass() -> None:
    check_anthropic({**ANTHROPIC, "stream": None, "system": None, "tools": None})
    check_anthropic({**ANTHROPIC, "stream": True, "system": [], "tools": [], "metadata": {}})


def test_count_tokens_needs_no_max_tokens_and_ignores_stream() -> None:
    body = {k: v for k, v in ANTHROPIC.items() if k != "max_tokens"}
    check_anthropic({**body, "stream": "yes"}, count_tokens=True)
    assert _error(check_anthropic, {**body, "system": 3}, count_tokens=True)[1] == "system"


@pytest.mark.parametrize(
    ("change", "message", "param"),
    [
        ({"messages": [{"role": "tool", "content": None}, {"role": 5}]},
         "messages.1.role: expected a string, got int", "messages.1.role"),
        ({"messages": [{"role": "developer", "content": "x"}, {"role": "wizard"}]},
         "messages.1.role: expected one of system, developer, user, assistant, tool, function, "
         "got 'wizard'", "messages.1.role"),
        ({"stream": "no"}, "stream: expected true or false, got str", "stream"),
        ({"max_tokens": False}, "max_tokens: expected a positive integer, got bool", "max_tokens"),
        ({"max_completion_tokens": -3},
         "max_completion_tokens: expected a positive integer, got -3", "max_completion_tokens"),
        ({"tools": "x"}, "tools: expected a list of tool definitions, got str", "tools"),
        ({"stream_options": []}, "stream_options: expected an object, got list", "stream_options"),
        ({"stream": 1, "max_tokens": 0}, "stream: expected true or false, got int", "stream"),
    ],
)  # fmt: skip
def test_openai_bodies(change: dict[str, Any], message: str, param: str) -> None:
    assert _error(check_openai, {**OPENAI, **change}) == (message, param)


def test_openai_bodies_need_no_token_limit_and_take_any_role() -> None:
    check_openai(OPENAI)
    check_openai({**OPENAI, "messages": [{"role": "developer", "content": "x"}], "stream": False})
