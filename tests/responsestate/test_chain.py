"""A kept conversation's items: input normalized, output as input, a stream's final response."""

from __future__ import annotations

import json

from fulcrum.responsestate.chain import (
    answered,
    as_input,
    continued,
    final_response,
    input_items,
    sent,
    turn,
)
from fulcrum.responsestate.store import Kept


def test_input_is_listed_as_openai_lists_it() -> None:
    assert input_items("hi") == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ]
    items = input_items([
        {"role": "assistant", "content": "earlier"},
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
        "not an item",
    ])  # fmt: skip
    assert items == [
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "earlier"}]},
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
    ]  # fmt: skip


def test_output_becomes_input_without_ids_statuses_or_reasoning() -> None:
    output = [
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "t"}]},
        {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "text": "Hi", "annotations": []},
                     {"type": "refusal", "refusal": "no"}]},
        {"type": "function_call", "id": "fc_1", "status": "completed", "call_id": "call_1",
         "name": "Bash", "arguments": "{}"},
        {"type": "message", "role": "assistant", "content": []},  # nothing to say: left out
    ]  # fmt: skip
    assert as_input(output) == [
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Hi"}, {"type": "refusal", "refusal": "no"}]},
        {"type": "function_call", "call_id": "call_1", "name": "Bash", "arguments": "{}"},
    ]  # fmt: skip
    assert as_input(None) == [] and as_input(["junk"]) == []


def test_a_continued_body_has_the_conversation_and_sends_no_id() -> None:
    def kept(n: int, asked: str, said: str, previous: str | None) -> Kept:
        output = [{"type": "message", "role": "assistant",
                   "content": [{"type": "output_text", "text": said}]}]  # fmt: skip
        response = {"output": output}
        return Kept(f"resp_{n}", None, 0.0, previous, "resp_1", input_items(asked), response,
                    turn(input_items(asked), response))  # fmt: skip

    chain = [kept(1, "a", "b", None), kept(2, "c", "d", "resp_1")]
    before = [item for k in chain for item in k.turn]
    body = {"model": "m", "input": "e", "previous_response_id": "resp_2", "instructions": "new"}
    out = continued(body, before)
    assert out["previous_response_id"] == "resp_2" and out["instructions"] == "new"  # answered
    assert "previous_response_id" not in sent(out) and sent(out)["input"] == out["input"]
    assert [item["content"][0]["text"] for item in out["input"]] == ["a", "b", "c", "d", "e"]
    assert body["input"] == "e"  # the client's body is left as it was
    assert [item["content"][0]["text"] for item in answered(chain)] == ["a", "b", "c"]


def _event(name: str, data: dict[str, object]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def test_the_final_response_is_the_last_final_event() -> None:
    text = "a text that says\nevent: response.completed\n"  # escaped inside data: not an event
    stream = (
        _event("response.created", {"response": {"id": "resp_1", "status": "in_progress"}})
        + _event("response.output_text.delta", {"delta": text})
        + _event("response.completed", {"response": {"id": "resp_1", "status": "completed",
                                                     "output": [{"text": text}]}})
    )  # fmt: skip
    found = final_response(stream)
    assert found is not None and found["status"] == "completed"
    assert found["output"] == [{"text": text}]
    crlf = stream.replace(b"\n\n", b"\r\n\r\n").replace(b"\nevent", b"\r\nevent")
    assert final_response(crlf) == found
    failed = _event("response.failed", {"response": {"id": "resp_2", "status": "failed"}})
    started = _event("response.created", {"response": {"id": "resp_2"}})
    assert final_response(started + failed) == {"id": "resp_2", "status": "failed"}
    assert final_response(_event("response.created", {"response": {"id": "x"}})) is None
    assert final_response(b"") is None
