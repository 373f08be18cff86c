"""A conversation partly answered by a local model, made acceptable to the Messages API."""

from __future__ import annotations

import pytest

from fulcrum.wire.history import native_history

USER = {"role": "user", "content": "list the files"}
CALL = {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}}
RESULT = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1"}]}


@pytest.mark.parametrize("blank", ["", "\n\n", " ", "\t\n"])
def test_blank_assistant_text_is_dropped_and_the_call_kept(blank: str) -> None:
    said = {"role": "assistant", "content": [{"type": "text", "text": blank}, CALL]}
    messages = [USER, said, RESULT]
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


def test_a_body_the_api_accepts_is_not_changed() -> None:
    said = {"role": "assistant", "content": [{"type": "text", "text": "Here:"}, CALL]}
    user_blank = {"role": "user", "content": [{"type": "text", "text": " "}]}  # the client's own
    messages = [USER, said, RESULT, user_blank]
    assert native_history(messages) is None
    assert native_history("not a list") is None
