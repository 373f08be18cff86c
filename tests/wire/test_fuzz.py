"""Robustness: arbitrary JSON in, no exception out, and the output is JSON again."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fulcrum.wire import (
    AnthropicToOpenAIStream,
    OpenAIToAnthropicStream,
    SSEEvent,
    anthropic_to_openai_request,
    anthropic_to_openai_response,
    check_anthropic_stream,
    openai_to_anthropic_request,
    openai_to_anthropic_response,
)

KEYS = [
    "model", "messages", "system", "role", "content", "type", "text", "tool_calls", "function",
    "name", "arguments", "input", "id", "tool_use_id", "tool_call_id", "tools", "tool_choice",
    "source", "image_url", "url", "choices", "delta", "message", "usage", "index", "stop",
    "content_block", "partial_json", "stop_reason", "finish_reason", "max_tokens", "stream",
]  # fmt: skip
VALUES = [
    "user", "assistant", "system", "tool", "developer", "text", "image", "tool_use",
    "tool_result", "thinking", "function", "auto", "any", "required", "none", "base64", "url",
    "message_start", "content_block_start", "content_block_delta", "message_delta", "error",
    "input_json_delta", "text_delta",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(VALUES) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)
bodies = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)


@settings(max_examples=150, deadline=None)
@given(bodies)
def test_request_and_response_translation_never_crash(body: dict[str, Any]) -> None:
    for translate in (anthropic_to_openai_request, openai_to_anthropic_request):
        json.dumps(translate(body))
    json.dumps(openai_to_anthropic_response(body, model="m"))
    json.dumps(anthropic_to_openai_response(body, model="m"))


@settings(max_examples=60, deadline=None)
@given(st.lists(bodies, max_size=6))
def test_streams_never_crash_on_arbitrary_chunks_and_events(items: list[dict[str, Any]]) -> None:
    to_anthropic = OpenAIToAnthropicStream("m")
    events = [e for item in items for e in to_anthropic.feed(item)] + to_anthropic.finish()
    check_anthropic_stream(events)
    to_openai = AnthropicToOpenAIStream("m")
    chunks: list[dict[str, Any]] = []
    for item in items:
        chunks += to_openai.feed(SSEEvent(None, json.dumps(item)))
    chunks += to_openai.finish()
    json.dumps(chunks)
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c.get("choices")]
    assert len([f for f in finishes if f]) <= 1


def test_unhashable_and_boolean_values_are_ignored() -> None:
    stream = AnthropicToOpenAIStream("m")
    bad = {"type": "content_block_delta", "index": [1], "delta": {"type": "input_json_delta"}}
    assert [c["choices"][0]["delta"] for c in stream.feed(SSEEvent(None, json.dumps(bad)))] == [
        {"role": "assistant", "content": ""}
    ]
    assert "max_tokens" not in anthropic_to_openai_request({"max_tokens": True})
    assert openai_to_anthropic_request({"max_tokens": True})["max_tokens"] == 4096
    response = anthropic_to_openai_response({"stop_reason": []}, model="m")
    assert response["choices"][0]["finish_reason"] == "stop"
