"""A conversation partly answered by a local model, made acceptable to the Messages API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fulcrum.wire.history import may_need_native_history, native_history

USER = {"role": "user", "content": "list the files"}
CALL = {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}}
RESULT = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1"}]}


def _both_spacings(messages: list[Any]) -> list[bytes]:
    body = {"model": "m", "messages": messages}
    return [json.dumps(body).encode(), json.dumps(body, separators=(",", ":")).encode()]


@pytest.mark.parametrize("blank", ["", "\n\n", " ", "\t\n"])
def test_blank_assistant_text_is_dropped_and_the_call_kept(blank: str) -> None:
    said = {"role": "assistant", "content": [{"type": "text", "text": blank}, CALL]}
    messages = [USER, said, RESULT]
    assert all(may_need_native_history(raw) for raw in _both_spacings(messages))
    assert native_history(messages) == [USER, {"role": "assistant", "content": [CALL]}, RESULT]
    assert said["content"][0] == {"type": "text", "text": blank}  # the input is untouched


def test_unsigned_thinking_goes_signed_stays_and_an_emptied_turn_is_dropped() -> None:
    signed = {"type": "thinking", "thinking": "a", "signature": "EqQBCkYI"}
    unsigned = {"type": "thinking", "thinking": "b", "signature": ""}
    messages = [
        USER,
        {"role": "assistant", "content": [unsigned, {"type": "text", "text": "\n"}]},
        {"role": "user", "content": "go on"},
        {"role": "assistant", "content": [signed, {"type": "text", "text": "done"}]},
    ]
    assert native_history(messages) == [USER, messages[2], messages[3]]


def test_a_body_the_api_accepts_is_neither_looked_through_nor_changed() -> None:
    said = {"role": "assistant", "content": [{"type": "text", "text": "Here:"}, CALL]}
    user_blank = {"role": "user", "content": [{"type": "text", "text": " "}]}  # the client's own
    messages = [USER, said, RESULT, user_blank]
    assert native_history(messages) is None
    assert not any(may_need_native_history(raw) for raw in _both_spacings([USER, said, RESULT]))
    assert native_history("not a list") is None
