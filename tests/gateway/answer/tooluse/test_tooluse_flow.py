from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest

from fulcrum.gateway.answer.tooluse import call_with_tool_checks, message_events, needs_tool_checks
from fulcrum.wire.sse import SSEDecoder, encode_sse

from .tools import READ, request, text_response, tool_response


class FakeLocal:
    """Plays a local backend: returns the scripted answers in order and records requests."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, body: dict[str, Any]) -> Mapping[str, Any]:
        self.requests.append(copy.deepcopy(body))
        return self.answers.pop(0)


async def test_request_without_tools_is_sent_unchanged() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    local = FakeLocal(text_response("hello"))
    message, outcome = await call_with_tool_checks(body, local)
    assert local.requests == [body]
    assert message["content"][0]["text"] == "hello"
    assert outcome.ledger_fields() == {"tool_repairs": 0, "tool_retries": 0}


async def test_text_call_recovered_without_a_retry() -> None:
    local = FakeLocal(text_response('{"name": "Bash", "arguments": {"command": "ls"}}'))
    message, outcome = await call_with_tool_checks(request(), local)
    assert len(local.requests) == 1
    assert message["stop_reason"] == "tool_use"
    assert message["content"][0]["input"] == {"command": "ls"}
    assert outcome.ledger_fields() == {"tool_repairs": 1, "tool_retries": 0}


async def test_invalid_call_is_retried_once_with_the_error() -> None:
    local = FakeLocal(
        tool_response(("Read", {"path": "a.py"})),
        tool_response(("Read", {"file_path": "a.py"})),
    )
    message, outcome = await call_with_tool_checks(request(), local)
    assert len(local.requests) == 2
    retry = local.requests[1]
    assert retry["messages"][-1]["content"][0]["is_error"] is True
    assert "'file_path' is a required property" in retry["messages"][-1]["content"][0]["content"]
    assert message["content"][0]["input"] == {"file_path": "a.py"}
    assert (outcome.repairs, outcome.retries, outcome.invalid) == (0, 1, 0)


async def test_forced_tool_is_prepared_and_a_second_failure_is_returned_as_is() -> None:
    local = FakeLocal(text_response("It is fine."), text_response("Still fine."))
    forced = request(tool_choice={"type": "tool", "name": "Read"})
    message, outcome = await call_with_tool_checks(forced, local)
    assert local.requests[0]["tools"] == [READ]
    assert "calling the tool `Read`" in local.requests[0]["system"][-1]["text"]
    assert message["content"][0]["text"] == "Still fine."
    assert (outcome.retries, outcome.invalid) == (1, 1)


async def test_send_errors_propagate_for_failover() -> None:
    async def broken(body: dict[str, Any]) -> Mapping[str, Any]:
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        await call_with_tool_checks(request(), broken)


def test_needs_tool_checks() -> None:
    assert needs_tool_checks(request())
    assert not needs_tool_checks(request(tools=[]))
    assert not needs_tool_checks(request(tool_choice={"type": "none"}))
    assert not needs_tool_checks(request(tool_choice="none"))  # OpenAI's spelling
    assert needs_tool_checks(request(tool_choice={"type": "any"}))
    assert not needs_tool_checks(request(tool_choice={"type": "none"}))
    assert not needs_tool_checks({"messages": []})


def accumulate(events: list[Any]) -> dict[str, Any]:
    """Rebuild a message from Anthropic stream events, checking the grammar on the way."""
    names = [e.event for e in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    message = events[0].json()["message"]
    assert message["content"] == [] and message["usage"]["output_tokens"] == 0
    open_index: int | None = None
    partial: dict[int, str] = {}
    for event in events[1:-2]:
        data = event.json()
        assert data["type"] == event.event
        if event.event == "content_block_start":
            assert open_index is None and data["index"] == len(message["content"])
            open_index = data["index"]
            message["content"].append(data["content_block"])
        elif event.event == "content_block_delta":
            assert data["index"] == open_index
            block, delta = message["content"][data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "input_json_delta":
                partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            else:
                block["signature"] = delta["signature"]
        else:
            assert event.event == "content_block_stop" and data["index"] == open_index
            if open_index in partial:
                message["content"][open_index]["input"] = json.loads(partial[open_index])
            open_index = None
    assert open_index is None
    final = events[-2].json()
    message.update(final["delta"])
    message["usage"]["output_tokens"] = final["usage"]["output_tokens"]
    return dict(message)


def test_replay_round_trips_a_checked_message_through_sse_bytes() -> None:
    original = tool_response(("Bash", {"command": "ls -la"}), text="Listing files.")
    original["content"].insert(0, {"type": "thinking", "thinking": "plan", "signature": "s1"})
    original["content"].append({"type": "redacted_thinking", "data": "opaque"})
    wire = b"".join(encode_sse(e) for e in message_events(original))
    decoded = SSEDecoder().feed(wire)
    assert accumulate(decoded) == original


def test_replay_of_a_message_without_usage_or_content() -> None:
    events = message_events({"id": "m", "type": "message", "role": "assistant"})
    assert [e.event for e in events] == ["message_start", "message_delta", "message_stop"]
    assert events[1].json()["usage"] == {"output_tokens": 0}


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("{bad", {"arguments": "{bad"}),  # a local model's arguments no check could mend
        ('{"command": "ls"}', {"command": "ls"}),
        (None, {}),
    ],
)
def test_replay_sends_every_tool_input_as_a_json_object(given: Any, sent: Any) -> None:
    message = tool_response(("Bash", {"command": "ls"}))
    message["content"][0]["input"] = given
    wire = b"".join(encode_sse(e) for e in message_events(message))
    deltas = [
        e.json()["delta"] for e in SSEDecoder().feed(wire) if e.event == "content_block_delta"
    ]
    assert [json.loads(d["partial_json"]) for d in deltas] == [sent]
