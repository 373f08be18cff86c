"""Non-streaming responses, usage extraction and error bodies."""

from __future__ import annotations

from typing import Any

import pytest

from fulcrum.wire import (
    TokenUsage,
    anthropic_error_to_openai,
    anthropic_stream_usage,
    anthropic_to_openai_response,
    anthropic_usage,
    openai_error_to_anthropic,
    openai_stream_usage,
    openai_to_anthropic_response,
    openai_usage,
    usage_to_anthropic,
    usage_to_openai,
)
from fulcrum.wire.maps import UnfinishedAnswer, tool_choice_to_anthropic
from fulcrum.wire.stream_to_anthropic import OpenAIToAnthropicStream

OPENAI_TOOL_RESPONSE: dict[str, Any] = {
    "id": "chatcmpl-abc",
    "object": "chat.completion",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "Let me check.",
                "reasoning_content": "need weather",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Oslo"}'},
                    }
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 120,
        "completion_tokens": 30,
        "total_tokens": 150,
        "prompt_tokens_details": {"cached_tokens": 100},
    },
}


def test_openai_response_to_anthropic() -> None:
    out = openai_to_anthropic_response(OPENAI_TOOL_RESPONSE, model="claude-facing")
    assert out["id"] == "msg_chatcmpl-abc" and out["model"] == "claude-facing"
    assert out["type"] == "message" and out["role"] == "assistant"
    assert [b["type"] for b in out["content"]] == ["thinking", "text", "tool_use"]
    assert out["content"][2] == {
        "type": "tool_use",
        "id": "call_1",
        "name": "weather",
        "input": {"city": "Oslo"},
    }
    assert out["stop_reason"] == "tool_use" and out["stop_sequence"] is None
    assert out["usage"] == {
        "input_tokens": 20,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 100,
        "output_tokens": 30,
    }
    plain = openai_to_anthropic_response(OPENAI_TOOL_RESPONSE, model="m", keep_reasoning=False)
    assert [b["type"] for b in plain["content"]] == ["text", "tool_use"]


def test_stop_with_tool_calls_is_tool_use_and_empty_body_survives() -> None:
    body = {
        "choices": [
            {"finish_reason": "stop", "message": {"tool_calls": [{"function": {"name": "f"}}]}}
        ]
    }
    out = openai_to_anthropic_response(body, model="m")
    assert out["stop_reason"] == "tool_use" and out["content"][0]["input"] == {}
    assert out["content"][0]["id"].startswith("toolu_")
    empty = openai_to_anthropic_response({}, model="m")
    assert empty["content"] == [] and empty["stop_reason"] == "end_turn"


def test_anthropic_response_to_openai() -> None:
    body = {
        "id": "msg_1",
        "content": [
            {"type": "thinking", "thinking": "plan", "signature": "s"},
            {"type": "redacted_thinking", "data": "xx"},
            {"type": "text", "text": "Sure."},
            {"type": "tool_use", "id": "toolu_9", "name": "Read", "input": {"path": "a"}},
        ],
        "stop_reason": "tool_use",
        "usage": {
            "input_tokens": 10,
            "output_tokens": 4,
            "cache_read_input_tokens": 50,
            "cache_creation_input_tokens": 5,
        },
    }
    out = anthropic_to_openai_response(body, model="gpt-facing")
    assert out["object"] == "chat.completion" and out["id"] == "chatcmpl-msg_1"
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Sure."
    assert choice["message"]["reasoning_content"] == "plan"
    assert choice["message"]["tool_calls"][0]["function"] == {
        "name": "Read",
        "arguments": '{"path":"a"}',
    }
    assert out["usage"] == {
        "prompt_tokens": 65,
        "completion_tokens": 4,
        "total_tokens": 69,
        "prompt_tokens_details": {"cached_tokens": 50},
    }


@pytest.mark.parametrize(
    ("reason", "finish"),
    [
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("stop_sequence", "stop"),
        ("refusal", "content_filter"),
        (None, "stop"),
    ],
)
def test_anthropic_stop_reasons(reason: str | None, finish: str) -> None:
    out = anthropic_to_openai_response({"content": [], "stop_reason": reason}, model="m")
    assert out["choices"][0]["finish_reason"] == finish
    assert out["choices"][0]["message"]["content"] == ""


def test_usage_round_trip_and_extractors() -> None:
    usage = TokenUsage(10, 20, cache_read_tokens=30, cache_write_tokens=0)
    assert openai_usage(usage_to_openai(usage)) == usage
    full = TokenUsage(1, 2, 3, 4)
    assert anthropic_usage({"usage": usage_to_anthropic(full)}) == full
    assert anthropic_usage({"usage": "junk"}) == TokenUsage(0, 0)
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "usage": {"input_tokens": 7, "cache_creation_input_tokens": 3, "output_tokens": 1}
            },
        },
        {"type": "content_block_delta"},
        {"type": "message_delta", "usage": {"output_tokens": 9, "input_tokens": None}},
    ]
    assert anthropic_stream_usage(events) == TokenUsage(7, 9, 0, 3)
    assert openai_stream_usage([{"usage": None}, {"choices": []}]) is None
    assert openai_stream_usage(
        [{"usage": {"prompt_tokens": 5, "completion_tokens": 2}}]
    ) == TokenUsage(5, 2)


def test_error_bodies_translate_with_types_by_status() -> None:
    anth = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert anthropic_error_to_openai(529, anth) == {
        "error": {"message": "Overloaded", "type": "server_error", "param": None, "code": None}
    }
    assert anthropic_error_to_openai(429, anth)["error"]["code"] == "rate_limit_exceeded"
    oai = {
        "error": {
            "message": "Rate limit reached",
            "type": "requests",
            "code": "rate_limit_exceeded",
        }
    }
    assert openai_error_to_anthropic(429, oai) == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "Rate limit reached"},
    }
    assert openai_error_to_anthropic(503, b"<html>bad gateway</html>")["error"] == {
        "type": "api_error",
        "message": "<html>bad gateway</html>",
    }
    assert openai_error_to_anthropic(422, None)["error"]["type"] == "invalid_request_error"


def test_openai_tool_choice_to_anthropic() -> None:
    assert tool_choice_to_anthropic("auto") == {"type": "auto"}
    assert tool_choice_to_anthropic("none", parallel=False) == {"type": "none"}
    assert tool_choice_to_anthropic({"type": "function", "function": {"name": "f"}}) == {
        "type": "tool",
        "name": "f",
    }
    assert tool_choice_to_anthropic(None, parallel=False) == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }
    assert tool_choice_to_anthropic("bogus") is None


@pytest.mark.parametrize("reason", ["abort", "error"])
def test_an_unfinished_openai_answer_is_an_error_not_end_turn(reason: str) -> None:
    body = {"choices": [{"index": 0, "message": {"content": "half"}, "finish_reason": reason}]}
    with pytest.raises(UnfinishedAnswer, match=f"finish_reason '{reason}'"):
        openai_to_anthropic_response(body, model="m")
    stopped = {"choices": [{"index": 0, "message": {"content": "all"}, "finish_reason": "stop"}]}
    assert openai_to_anthropic_response(stopped, model="m")["stop_reason"] == "end_turn"


def test_a_refusal_reaches_an_anthropic_client_as_text() -> None:
    message = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    body = {"id": "c", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
    out = openai_to_anthropic_response(body, model="m")
    assert out["content"] == [{"type": "text", "text": "I can't help with that."}]
    assert out["stop_reason"] == "refusal"
    stream = OpenAIToAnthropicStream("m")
    delta = {"role": "assistant", "content": None, "refusal": "No."}
    events = stream.feed({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    events += stream.finish()
    texts = [e.json()["delta"].get("text") for e in events if e.event == "content_block_delta"]
    assert texts == ["No."]
