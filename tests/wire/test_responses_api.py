"""OpenAI Responses ↔ the hub: requests read as Chat Completions, answers and streams back."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openai.types.responses import Response

from fulcrum.errors import InvalidRequest
from fulcrum.fakes import FakeOpenAI, Reply, ToolCall, render_responses
from fulcrum.fakes.template import TOOL_ID, fill
from fulcrum.gateway.inbound.validate_responses import check_responses
from fulcrum.wire import openai_to_anthropic_request
from fulcrum.wire.maps import UnfinishedAnswer
from fulcrum.wire.responses_api import (
    AnthropicToResponsesStream,
    anthropic_to_responses_response,
    responses_to_openai_request,
    responses_usage,
    usage_to_responses,
)
from fulcrum.wire.responses_api.backend import (
    openai_to_responses_request,
    responses_to_anthropic_response,
)
from fulcrum.wire.responses_api.stream_in import ResponsesToAnthropicStream
from fulcrum.wire.sse import SSEDecoder, SSEEvent, json_event
from fulcrum.wire.usage import TokenUsage
from fulcrum.wire.validate import check_anthropic_stream

CALL = {"type": "function_call", "call_id": "call_1", "name": "Bash", "arguments": '{"c":"ls"}'}


def test_items_become_chat_messages() -> None:
    body = {
        "model": "m",
        "instructions": "Be brief.",
        "input": [
            {"role": "developer", "content": "Use tools."},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
            ]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "xyz"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Looking."}]},
            CALL,
            {**CALL, "call_id": "call_2", "arguments": ""},
            {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
            {"type": "function_call_output", "call_id": "call_2",
             "output": [{"type": "input_text", "text": "b.txt"}]},
        ],
        "max_output_tokens": 100,
        "reasoning": {"effort": "high", "summary": "auto"},
        "tools": [{"type": "function", "name": "Bash", "parameters": {"type": "object"}}],
        "tool_choice": {"type": "function", "name": "Bash"},
    }  # fmt: skip
    out = responses_to_openai_request(body)
    roles = [m["role"] for m in out["messages"]]
    assert roles == ["system", "developer", "user", "assistant", "tool", "tool"]  # no reasoning
    user = out["messages"][2]["content"]
    image = {"url": "data:image/png;base64,AAAA", "detail": "low"}
    assert user[1] == {"type": "image_url", "image_url": image}
    assistant = out["messages"][3]  # the text before the calls and both calls: one message
    assert assistant["content"] == "Looking."
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_1", "call_2"]
    assert assistant["tool_calls"][1]["function"]["arguments"] == "{}"
    assert out["messages"][5] == {"role": "tool", "tool_call_id": "call_2", "content": "b.txt"}
    assert out["max_completion_tokens"] == 100 and out["reasoning_effort"] == "high"
    assert out["tools"][0]["function"]["name"] == "Bash"
    assert out["tool_choice"] == {"type": "function", "function": {"name": "Bash"}}
    hub = openai_to_anthropic_request(out)  # and on to the hub, as any Chat Completions request
    uses = [b for m in hub["messages"] for b in m["content"] if b.get("type") == "tool_use"]
    assert [u["id"] for u in uses] == ["call_1", "call_2"]


def test_a_string_input_is_one_user_message() -> None:
    out = responses_to_openai_request({"model": "m", "input": "hi", "stream": True})
    assert out == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


MESSAGE = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
    "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "s"},
        {"type": "text", "text": "Running it."},
        {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}},
    ],
    "stop_reason": "tool_use",
    "usage": {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 90},
}  # fmt: skip


def test_an_answer_is_a_response_the_sdk_reads() -> None:
    request = {"model": "m", "input": "hi", "tools": [{"type": "function", "name": "Bash"}]}
    out = anthropic_to_responses_response(MESSAGE, model="m", request=request)
    parsed = Response.model_validate(out)
    assert [i.type for i in parsed.output] == ["reasoning", "message", "function_call"]
    assert parsed.output_text == "Running it." and parsed.status == "completed"
    call = parsed.output[2]
    assert call.type == "function_call" and call.call_id == "toolu_1"
    assert json.loads(call.arguments) == {"command": "ls"}
    assert parsed.usage is not None and parsed.usage.input_tokens == 100  # cached included
    assert parsed.usage.input_tokens_details.cached_tokens == 90
    assert parsed.tools[0].type == "function"


def test_usage_round_trips() -> None:
    usage = TokenUsage(10, 4, cache_read_tokens=90, cache_write_tokens=5)
    assert responses_usage({"usage": usage_to_responses(usage)}) == usage
    assert responses_usage({}) == TokenUsage(0, 0)


def events(*items: dict[str, Any]) -> list[dict[str, Any]]:
    stream = AnthropicToResponsesStream("m", {"model": "m", "input": "hi"})
    out = [e for item in items for e in stream.feed(json_event(item))]
    return out + stream.finish()


def test_a_stream_names_each_item_and_numbers_each_event() -> None:
    out = events(
        {"type": "message_start", "message": {"usage": {"input_tokens": 3, "output_tokens": 0}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking"}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "hm"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
         "usage": {"output_tokens": 2}},
        {"type": "message_stop"},
    )  # fmt: skip
    assert [e["sequence_number"] for e in out] == list(range(len(out)))
    kinds = [e["type"] for e in out]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert "response.reasoning_text.delta" in kinds and kinds[-1] == "response.completed"
    # the text block never got its stop: closed at the end, before the response completes
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = Response.model_validate(out[-1]["response"])
    assert [i.type for i in final.output] == ["reasoning", "message"]
    assert final.output_text == "Hi" and final.usage is not None
    assert final.usage.output_tokens == 2


def test_an_error_event_fails_the_response() -> None:
    out = events(
        {"type": "message_start", "message": {}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
    )
    assert out[-1]["type"] == "response.failed"
    assert out[-1]["response"]["error"] == {"code": "server_error", "message": "busy"}


def test_a_namespace_is_flattened_and_its_calls_named_back() -> None:
    spawn = {"type": "function", "name": "spawn", "parameters": {"type": "object"}}
    tools = [
        {"type": "namespace", "name": "agents", "description": "sub-agents", "tools": [spawn]},
        {"type": "web_search"},  # OpenAI runs it: dropped
    ]
    earlier = {**CALL, "name": "spawn", "namespace": "agents"}
    body = {"model": "m", "input": [earlier], "tools": tools}
    out = responses_to_openai_request(body)
    assert [t["function"]["name"] for t in out["tools"]] == ["agents__spawn"]
    assert out["messages"][0]["tool_calls"][0]["function"]["name"] == "agents__spawn"
    block = {"type": "tool_use", "id": "toolu_2", "name": "agents__spawn", "input": {}}
    answer = {**MESSAGE, "content": [block]}
    item = anthropic_to_responses_response(answer, model="m", request=body)["output"][0]
    assert (item["name"], item["namespace"]) == ("spawn", "agents")
    plain = anthropic_to_responses_response(answer, model="m", request={"model": "m"})
    assert plain["output"][0]["name"] == "agents__spawn" and "namespace" not in plain["output"][0]


RESPONSE_KEYS = [
    "model", "input", "instructions", "tools", "tool_choice", "type", "role", "content", "text",
    "name", "arguments", "call_id", "output", "namespace", "image_url", "reasoning", "effort",
    "max_output_tokens", "stream", "parameters", "index", "delta", "content_block", "stop_reason",
    "usage", "id", "input_tokens", "partial_json", "thinking", "message",
]  # fmt: skip
RESPONSE_VALUES = [
    "message", "function_call", "function_call_output", "reasoning", "namespace", "function",
    "input_text", "output_text", "input_image", "refusal", "user", "assistant", "developer",
    "auto", "none", "required", "text", "tool_use", "content_block_start",
    "content_block_delta", "content_block_stop", "message_delta", "message_stop", "error",
    "text_delta", "input_json_delta", "thinking_delta", "max_tokens", "web_search",
]  # fmt: skip
fuzzed = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(RESPONSE_VALUES)
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(RESPONSE_KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)  # fmt: skip
fuzzed_bodies = st.dictionaries(st.sampled_from(RESPONSE_KEYS), fuzzed, max_size=8)


@settings(max_examples=300, deadline=None)
@given(fuzzed_bodies)
@example({"content": 3, "input": 3, "tools": 3})  # a shape found crashing once
@example({"tools": [{"type": "namespace", "name": "x", "tools": 3}], "input": [{"content": 4}]})
def test_a_request_is_refused_or_translated_never_crashes(body: dict[str, Any]) -> None:
    with contextlib.suppress(InvalidRequest):
        check_responses(body)
    json.dumps(openai_to_anthropic_request(responses_to_openai_request(body)))
    json.dumps(anthropic_to_responses_response(body, model="m", request=body))


@settings(max_examples=80, deadline=None)
@given(st.lists(fuzzed_bodies, max_size=8), fuzzed_bodies)
def test_a_stream_of_anything_ends_numbered(items: list[dict[str, Any]], request: Any) -> None:
    stream = AnthropicToResponsesStream("m", request)
    out = [e for item in items for e in stream.feed(SSEEvent(None, json.dumps(item)))]
    out += stream.finish()
    assert [e["sequence_number"] for e in out] == list(range(len(out)))
    assert out[-1]["type"] in ("response.completed", "response.incomplete", "response.failed")
    json.dumps(out)


# -- a backend that speaks the Responses API ------------------------------------------------


def test_a_chat_request_becomes_a_responses_request() -> None:
    chat = {
        "model": "m", "max_completion_tokens": 64, "reasoning_effort": "low", "stream": True,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "look"},
                                         {"type": "image_url", "image_url": {"url": "data:x"}}]},
            {"role": "assistant", "content": "Running.", "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "Bash", "arguments": '{"c":1}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
        ],
        "tools": [{"type": "function", "function": {"name": "Bash", "parameters": {}}}],
        "tool_choice": {"type": "function", "function": {"name": "Bash"}},
        "stream_options": {"include_usage": True},
    }  # fmt: skip
    out = openai_to_responses_request(chat)
    assert out["instructions"] == "Be brief." and out["max_output_tokens"] == 64
    assert out["reasoning"] == {"effort": "low"} and out["store"] is False
    assert "stream_options" not in out and out["stream"] is True
    assert [i.get("type", i.get("role")) for i in out["input"]] == [
        "user",
        "assistant",
        "function_call",
        "function_call_output",
    ]
    assert out["input"][0]["content"][1] == {"type": "input_image", "image_url": "data:x"}
    assert out["input"][2]["call_id"] == "call_1" and out["input"][3]["output"] == "ok"
    assert out["tools"] == [{"type": "function", "name": "Bash", "parameters": {}}]
    assert out["tool_choice"] == {"type": "function", "name": "Bash"}


def test_a_responses_answer_becomes_a_message() -> None:
    answer = {
        "id": "resp_1", "status": "completed",
        "output": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "hm"}]},
            {"type": "message", "content": [{"type": "output_text", "text": "Running."}]},
            {"type": "function_call", "call_id": "call_1", "name": "Bash", "arguments": "{}"},
        ],
        "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 90},
                  "output_tokens": 7},
    }  # fmt: skip
    message = responses_to_anthropic_response(answer, model="m")
    assert [b["type"] for b in message["content"]] == ["thinking", "text", "tool_use"]
    assert message["stop_reason"] == "tool_use" and message["content"][2]["id"] == "call_1"
    assert message["usage"]["input_tokens"] == 10
    assert message["usage"]["cache_read_input_tokens"] == 90
    cut = {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"},
           "output": []}  # fmt: skip
    assert responses_to_anthropic_response(cut, model="m")["stop_reason"] == "max_tokens"
    with pytest.raises(UnfinishedAnswer):
        responses_to_anthropic_response({"status": "failed", "output": []}, model="m")


@pytest.mark.parametrize(
    "entry",
    [Reply("a few words here", thinking="why"), ToolCall("Bash", {"command": "ls"}, text="So.")],
)
def test_a_responses_stream_becomes_a_well_formed_anthropic_stream(entry: Any) -> None:
    """The events OpenAI sends (as the fake renders them), translated for the hub."""
    values = FakeOpenAI.values(entry, 100) | {TOOL_ID: "call_9"}
    raw = b"".join(fill(render_responses.response_events(entry, "m"), values))
    stream = ResponsesToAnthropicStream("m")
    events = [e for event in SSEDecoder().feed(raw) for e in stream.feed(event.object() or {})]
    events += stream.finish()
    check_anthropic_stream(events)
    kinds = [json.loads(e.data).get("content_block", {}).get("type") for e in events]
    if isinstance(entry, ToolCall):
        assert "tool_use" in kinds and stream.stop_reason is None
        assert json.loads(events[-2].data)["delta"]["stop_reason"] == "tool_use"
    else:
        assert kinds.count("thinking") == 1 and kinds.count("text") == 1
    assert stream.usage.output_tokens > 0


@settings(max_examples=80, deadline=None)
@given(st.lists(fuzzed_bodies, max_size=8))
def test_any_responses_events_make_a_well_formed_anthropic_stream(items: list[Any]) -> None:
    stream = ResponsesToAnthropicStream("m")
    events = [e for item in items for e in stream.feed(item)] + stream.finish()
    check_anthropic_stream(events)
