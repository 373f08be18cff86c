"""Edges real clients and servers hit: tool ids, reused indexes, blank text, legacy calls."""

from __future__ import annotations

import json
import re
from typing import Any

from fulcrum.wire import (
    AnthropicToOpenAIStream,
    OpenAIToAnthropicStream,
    SSEEvent,
    TokenUsage,
    anthropic_to_openai_request,
    anthropic_to_openai_response,
    check_anthropic_stream,
    openai_to_anthropic_request,
    openai_to_anthropic_response,
    openai_usage,
)
from fulcrum.wire.legacy import tool_view

# the Messages API refuses any other tool_use id ("String should match pattern")
ANTHROPIC_TOOL_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
KIMI_ID = "functions.get_weather:0"  # vLLM / Ollama ids carry dots and colons


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def call(index: int | None, call_id: str | None, name: str | None, args: str) -> Any:
    item: dict[str, Any] = {"function": {"arguments": args}}
    if index is not None:
        item["index"] = index
    if call_id is not None:
        item |= {"id": call_id, "type": "function"}
        item["function"]["name"] = name
    return {"tool_calls": [item]}


def tool_blocks(datas: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(id, name, parsed input) of every tool_use block of a checked stream."""
    blocks: dict[int, dict[str, Any]] = {}
    args: dict[int, str] = {}
    for d in datas:
        if d["type"] == "content_block_start" and d["content_block"]["type"] == "tool_use":
            blocks[d["index"]] = d["content_block"]
        if d["type"] == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            args[d["index"]] = args.get(d["index"], "") + d["delta"]["partial_json"]
    return [(b["id"], b["name"], json.loads(args.get(i) or "{}")) for i, b in blocks.items()]


# -- tool call ids -----------------------------------------------------------------------


def test_request_tool_ids_are_made_valid_and_stay_paired() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": KIMI_ID,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": KIMI_ID, "content": "sunny"},
        ]
    }
    out = openai_to_anthropic_request(body)
    use = out["messages"][1]["content"][0]
    result = out["messages"][2]["content"][0]
    assert ANTHROPIC_TOOL_ID.match(use["id"])
    assert result["tool_use_id"] == use["id"]


def test_response_tool_id_is_made_valid() -> None:
    fn = {"name": "get_weather", "arguments": "{}"}
    body = {"choices": [{"message": {"tool_calls": [{"id": KIMI_ID, "function": fn}]}}]}
    block = openai_to_anthropic_response(body, model="m")["content"][0]
    assert ANTHROPIC_TOOL_ID.match(block["id"])


def test_stream_tool_ids_are_made_valid_live_and_gathered() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed(chunk(call(0, KIMI_ID, "get_weather", "{}")))
    events += stream.feed(chunk(call(1, "functions.get_time:1", "get_time", "{}")))
    datas = check_anthropic_stream(events + stream.finish())
    ids = [block_id for block_id, _, _ in tool_blocks(datas)]
    assert len(ids) == 2 and all(ANTHROPIC_TOOL_ID.match(i) for i in ids)


# -- one index, several calls (servers that send every call whole at index 0 or none) ------


def test_stream_new_id_on_a_used_index_is_a_new_call() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed(chunk(call(0, "call_a", "Read", '{"path": "a"}')))
    events += stream.feed(chunk(call(0, "call_b", "Read", '{"path": "b"}')))
    events += stream.feed(chunk(call(None, "call_c", "Bash", '{"cmd": "ls"}'), "tool_calls"))
    datas = check_anthropic_stream(events + stream.finish())
    assert tool_blocks(datas) == [
        ("call_a", "Read", {"path": "a"}),
        ("call_b", "Read", {"path": "b"}),
        ("call_c", "Bash", {"cmd": "ls"}),
    ]


def test_stream_id_repeated_on_every_fragment_is_one_call() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed(chunk(call(0, "call_a", "Read", '{"path"')))
    events += stream.feed(chunk(call(0, "call_a", "Read", ': "a"}')))
    datas = check_anthropic_stream(events + stream.finish())
    assert tool_blocks(datas) == [("call_a", "Read", {"path": "a"})]


# -- blank text: the Messages API refuses empty and whitespace-only text blocks -------------


def test_blank_text_parts_are_not_sent_to_anthropic() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "  "},
            {
                "role": "user",
                "content": [{"type": "text", "text": ""}, {"type": "text", "text": "hi"}],
            },
            {
                "role": "assistant",
                "content": "\n\n",
                "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
            {"role": "user", "content": " "},
        ]
    }
    out = openai_to_anthropic_request(body)
    assert "system" not in out
    texts = [b["text"] for m in out["messages"] for b in m["content"] if b.get("type") == "text"]
    assert texts == ["hi"]
    assert [b["type"] for b in out["messages"][1]["content"]] == ["tool_use"]


# -- sampling and limits ------------------------------------------------------------------


def test_null_max_completion_tokens_falls_back_to_max_tokens() -> None:
    body = {"messages": [], "max_completion_tokens": None, "max_tokens": 77}
    assert openai_to_anthropic_request(body)["max_tokens"] == 77


def test_temperature_and_top_p_are_not_sent_together() -> None:
    both = openai_to_anthropic_request({"messages": [], "temperature": 0.2, "top_p": 0.9})
    assert both["temperature"] == 0.2 and "top_p" not in both
    alone = openai_to_anthropic_request({"messages": [], "top_p": 0.9})
    assert alone["top_p"] == 0.9


# -- tools without properties ---------------------------------------------------------------


def test_tool_without_properties_gets_an_empty_properties_object() -> None:
    body = {
        "messages": [{"role": "user", "content": "x"}],
        "tools": [
            {"name": "now", "input_schema": {"type": "object"}},
            {"name": "bare"},
        ],
    }
    tools = anthropic_to_openai_request(body)["tools"]
    assert [t["function"]["parameters"] for t in tools] == [
        {"type": "object", "properties": {}},
        {"type": "object", "properties": {}},
    ]


# -- usage of servers that report cache hits their own way ----------------------------------


def test_deepseek_cache_hit_tokens_are_cache_reads() -> None:
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 5,
        "prompt_cache_hit_tokens": 64,
        "prompt_cache_miss_tokens": 36,
    }
    assert openai_usage({"usage": usage}) == TokenUsage(36, 5, cache_read_tokens=64)


# -- legacy function calling ----------------------------------------------------------------


def test_legacy_functions_become_tools() -> None:
    body = {
        "functions": [{"name": "get_weather", "parameters": {"type": "object"}}],
        "function_call": {"name": "get_weather"},
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
            },
            {"role": "function", "name": "get_weather", "content": "sunny"},
        ],
    }
    out = openai_to_anthropic_request(body)
    assert out["tools"] == [{"name": "get_weather", "input_schema": {"type": "object"}}]
    # one call a turn: all a legacy answer (one function_call) can carry
    assert out["tool_choice"] == {
        "type": "tool",
        "name": "get_weather",
        "disable_parallel_tool_use": True,
    }
    use = out["messages"][1]["content"][0]
    assert use["type"] == "tool_use" and use["input"] == {"city": "Oslo"}
    assert ANTHROPIC_TOOL_ID.match(use["id"])
    result = out["messages"][2]["content"][0]
    assert result == {"type": "tool_result", "tool_use_id": use["id"], "content": "sunny"}
    auto = openai_to_anthropic_request({**body, "function_call": "none"})
    assert auto["tool_choice"] == {"type": "none"}


def test_the_tool_view_reads_legacy_functions_as_tools() -> None:
    """What decides whether a request's tools are reviewed: ``functions`` count as tools,
    ``function_call`` as the choice; a request with ``tools`` is read as it is."""
    fn = {"name": "get_weather", "parameters": {"type": "object"}}
    legacy = tool_view({"functions": [fn], "function_call": "none"})
    assert legacy == {"tools": [{"type": "function", "function": fn}], "tool_choice": "none"}
    assert tool_view({"functions": [fn]})["tool_choice"] is None
    modern = {"tools": [{"type": "function", "function": fn}], "functions": [fn]}
    assert tool_view(modern) is modern
    assert tool_view({"functions": []}) == {"functions": []}


LEGACY_CALLS = [  # an Anthropic answer with two calls (a backend that ignored the one-call ask)
    {"type": "text", "text": "Looking."},
    {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}},
    {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}},
]


def test_a_legacy_client_gets_its_call_as_function_call() -> None:
    answer = {"id": "msg_1", "content": LEGACY_CALLS, "stop_reason": "tool_use", "usage": {}}
    legacy = anthropic_to_openai_response(answer, model="m", legacy=True)["choices"][0]
    assert legacy["finish_reason"] == "function_call" and "tool_calls" not in legacy["message"]
    call = legacy["message"]["function_call"]
    assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "Oslo"}
    modern = anthropic_to_openai_response(answer, model="m")["choices"][0]
    assert modern["finish_reason"] == "tool_calls" and len(modern["message"]["tool_calls"]) == 2
    assert "function_call" not in modern["message"]


def _events(blocks: list[dict[str, Any]]) -> list[SSEEvent]:
    events = [{"type": "message_start", "message": {"usage": {"input_tokens": 3}}}]
    for i, block in enumerate(blocks):
        start = {**block, "input": {}} if block["type"] == "tool_use" else block
        events.append({"type": "content_block_start", "index": i, "content_block": start})
        if block["type"] == "tool_use":
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            events.append({"type": "content_block_delta", "index": i, "delta": delta})
        events.append({"type": "content_block_stop", "index": i})
    events.append({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}})
    events.append({"type": "message_stop"})
    return [SSEEvent(e["type"], json.dumps(e)) for e in events]


def test_a_legacy_client_streams_its_call_as_function_call() -> None:
    stream = AnthropicToOpenAIStream("m", include_usage=False, legacy=True)
    chunks = [c for e in _events(LEGACY_CALLS) for c in stream.feed(e)]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert not any("tool_calls" in d for d in deltas)
    calls = [d["function_call"] for d in deltas if "function_call" in d]
    assert calls[0]["name"] == "get_weather"  # only the first call: the legacy shape has one
    assert json.loads("".join(c["arguments"] for c in calls)) == {"city": "Oslo"}
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "function_call"


def test_whitespace_stop_sequences_are_not_sent_to_anthropic() -> None:
    out = openai_to_anthropic_request({"messages": [], "stop": ["\n", " ", "END"]})
    assert out["stop_sequences"] == ["END"]
    assert "stop_sequences" not in openai_to_anthropic_request({"messages": [], "stop": "\n\n"})


def test_tool_history_without_tools_defines_them_and_forbids_calls() -> None:
    # Messages: "Requests which include `tool_use` or `tool_result` blocks must define tools."
    body = {
        "messages": [
            {"role": "user", "content": "ls"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c1", "function": {"name": "Bash", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
            {"role": "user", "content": "summarise"},
        ]
    }
    out = openai_to_anthropic_request(body)
    assert out["tools"] == [{"name": "Bash", "input_schema": {"type": "object"}}]
    assert out["tool_choice"] == {"type": "none"}
    plain = openai_to_anthropic_request({"messages": [{"role": "user", "content": "hi"}]})
    assert "tools" not in plain and "tool_choice" not in plain


def test_custom_content_documents_and_documents_in_tool_results_keep_their_text() -> None:
    custom = {
        "type": "document",
        "source": {"type": "content", "content": [{"type": "text", "text": "part one"}]},
    }
    plain = {"type": "document", "source": {"type": "content", "content": "whole"}}
    text_doc = {"type": "document", "source": {"type": "text", "data": "DOC"}}
    body = {
        "messages": [
            {"role": "user", "content": [custom, plain, {"type": "text", "text": "q"}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f"}]},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t",
                        "content": [{"type": "text", "text": "see:"}, text_doc],
                    }
                ],
            },
        ]
    }
    msgs = anthropic_to_openai_request(body)["messages"]
    assert msgs[0] == {"role": "user", "content": "part one\n\nwhole\n\nq"}
    assert msgs[2] == {"role": "tool", "tool_call_id": "t", "content": "see:\n\nDOC"}
