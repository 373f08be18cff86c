"""Streaming translation both ways; property: any OpenAI chunks give a well-formed stream."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fulcrum.wire import (
    DONE,
    AnthropicToOpenAIStream,
    OpenAIToAnthropicStream,
    SSEDecoder,
    SSEEvent,
    StreamGrammarError,
    check_anthropic_stream,
    encode_chunk,
    encode_sse,
    openai_stream_usage,
)


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


def run(chunks: list[dict[str, Any]], fail: str | None = None) -> list[dict[str, Any]]:
    stream = OpenAIToAnthropicStream("claude-x", message_id="msg_1")
    events: list[SSEEvent] = []
    for c in chunks:
        events += stream.feed(c)
    events += stream.fail(fail) if fail else stream.finish()
    assert stream.finish() == [] and stream.feed(chunk({"content": "late"})) == []
    return check_anthropic_stream(events)


def tool_delta(index: int, args: str, call_id: str | None = None, name: str | None = None) -> Any:
    call: dict[str, Any] = {"index": index, "function": {"arguments": args}}
    if call_id:
        call |= {"id": call_id, "type": "function"}
        call["function"]["name"] = name
    return {"tool_calls": [call]}


def test_text_reasoning_and_tools_with_usage() -> None:
    datas = run(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"reasoning_content": "think"}),
            chunk({"content": "Hi"}),
            chunk(tool_delta(0, "", "call_a", "Bash")),
            chunk(tool_delta(0, '{"command":')),
            chunk(tool_delta(0, '"ls"}')),
            chunk(tool_delta(1, "{}", "call_b", "Read")),
            chunk({}, "tool_calls"),
            {
                "choices": [],
                "usage": {
                    "prompt_tokens": 100,
                    "completion_tokens": 7,
                    "prompt_tokens_details": {"cached_tokens": 60},
                },
            },
        ]
    )
    kinds = [d["type"] for d in datas]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    starts = [d["content_block"] for d in datas if d["type"] == "content_block_start"]
    assert [b["type"] for b in starts] == ["thinking", "text", "tool_use", "tool_use"]
    assert starts[2] == {"type": "tool_use", "id": "call_a", "name": "Bash", "input": {}}
    fragments = [
        d["delta"]["partial_json"]
        for d in datas
        if d["type"] == "content_block_delta" and d["index"] == 2
    ]
    assert json.loads("".join(fragments)) == {"command": "ls"}
    final = datas[-2]
    assert final["delta"]["stop_reason"] == "tool_use"
    assert final["usage"] == {
        "input_tokens": 40,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 60,
        "output_tokens": 7,
    }


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("content_filter", "refusal"),
        (None, "end_turn"),
    ],
)
def test_stop_reasons(reason: str | None, expected: str) -> None:
    datas = run([chunk({"content": "x"}, reason)])
    assert datas[-2]["delta"]["stop_reason"] == expected


def test_empty_stream_is_still_well_formed() -> None:
    kinds = [d["type"] for d in run([])]
    assert kinds == ["message_start", "message_delta", "message_stop"]


def test_fail_closes_open_block_and_ends_with_error() -> None:
    datas = run([chunk({"content": "partial"})], fail="upstream died")
    assert [d["type"] for d in datas][-2:] == ["content_block_stop", "error"]
    assert datas[-1]["error"] == {"type": "api_error", "message": "upstream died"}


def test_error_chunk_from_upstream_becomes_error_event() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed({"error": {"message": "overloaded", "type": "server_error"}})
    datas = check_anthropic_stream(events)
    assert datas[-1]["error"]["message"] == "overloaded" and stream.done


def _tool_inputs(datas: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """tool_use id -> (name, the concatenated input JSON), from a checked stream."""
    by_index: dict[int, list[str]] = {}
    blocks: dict[int, dict[str, Any]] = {}
    for d in datas:
        if d["type"] == "content_block_start" and d["content_block"]["type"] == "tool_use":
            blocks[d["index"]] = d["content_block"]
        if d["type"] == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            by_index.setdefault(d["index"], []).append(d["delta"]["partial_json"])
    return {b["id"]: (b["name"], "".join(by_index.get(i, []))) for i, b in blocks.items()}


def test_interleaved_parallel_tool_calls_arrive_whole() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed(chunk(tool_delta(0, '{"p": ', "c0", "a")))
    events += stream.feed(chunk(tool_delta(1, '{"q": ', "c1", "b")))
    events += stream.feed(chunk(tool_delta(0, "1}")))
    events += stream.feed(chunk(tool_delta(2, "{}", "c2", "c")))
    events += stream.feed(chunk(tool_delta(1, "2}"), "tool_calls"))
    events += stream.finish()
    datas = check_anthropic_stream(events)
    assert _tool_inputs(datas) == {
        "c0": ("a", '{"p": 1}'),
        "c1": ("b", '{"q": 2}'),
        "c2": ("c", "{}"),
    }
    assert stream.dropped_fragments == 0
    assert datas[-2]["delta"]["stop_reason"] == "tool_use"


def test_fragment_for_a_live_tool_closed_by_text_is_dropped_not_misplaced() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed(chunk(tool_delta(0, "{", "c0", "a")))
    events += stream.feed(chunk({"content": "thinking aloud"}))
    events += stream.feed(chunk(tool_delta(0, "}")))
    events += stream.finish()
    check_anthropic_stream(events)
    assert stream.dropped_fragments == 1


def test_keep_reasoning_false_drops_thinking() -> None:
    stream = OpenAIToAnthropicStream("m", keep_reasoning=False)
    events = stream.feed(chunk({"reasoning": "x", "content": "y"})) + stream.finish()
    starts = [d for d in check_anthropic_stream(events) if d["type"] == "content_block_start"]
    assert [s["content_block"]["type"] for s in starts] == ["text"]


def test_checker_rejects_bad_streams() -> None:
    def ev(obj: dict[str, Any]) -> SSEEvent:
        return SSEEvent(obj["type"], json.dumps(obj))

    start = ev({"type": "message_start", "message": {}})
    block = ev({"type": "content_block_start", "index": 1, "content_block": {"type": "text"}})
    with pytest.raises(StreamGrammarError, match="index 1 where 0"):
        check_anthropic_stream([start, block])
    with pytest.raises(StreamGrammarError, match="without message_stop"):
        check_anthropic_stream([start])


# -- property: any chunk sequence → well-formed Anthropic stream --------------------------

texts = st.text(max_size=6)
deltas = st.one_of(
    st.fixed_dictionaries({"content": st.none() | texts}),
    st.fixed_dictionaries({"reasoning_content": texts}),
    st.builds(
        tool_delta,
        st.integers(0, 3),
        texts,
        st.none() | st.sampled_from(["c1", "c2", ""]),
        st.none() | st.sampled_from(["f", "g"]),
    ),
    st.dictionaries(st.sampled_from(["role", "refusal", "junk"]), st.none() | texts),
)
chunks = st.one_of(
    st.builds(chunk, deltas, st.none() | st.sampled_from(["stop", "length", "tool_calls", "x"])),
    st.fixed_dictionaries(
        {
            "choices": st.just([]),
            "usage": st.fixed_dictionaries({"prompt_tokens": st.integers(-5, 99)}),
        }
    ),
    st.just({"choices": None}),
    st.just({"choices": [None]}),
    st.just({}),
)


def _said(delta: dict[str, Any]) -> str:
    text = delta.get("content") or delta.get("refusal")
    return text if isinstance(text, str) else ""


@settings(max_examples=300, deadline=None)
@given(st.lists(chunks, max_size=25), st.booleans())
def test_any_openai_chunks_give_a_well_formed_stream(seq: list[dict[str, Any]], fail: bool) -> None:
    datas = run(seq, fail="cut" if fail else None)
    text = "".join(d["delta"].get("text", "") for d in datas if d["type"] == "content_block_delta")
    expected = "".join(  # a refusal's text comes through as text
        _said(c["choices"][0]["delta"])
        for c in seq
        if isinstance(c.get("choices"), list) and c["choices"] and c["choices"][0]
    )
    assert text == expected
    for _, given_input in _tool_inputs(datas).values():  # what the SDKs parse: an object
        assert given_input == "" or isinstance(json.loads(given_input), dict)


@pytest.mark.parametrize(
    ("fragments", "sent"),
    [
        (['{"city": ', '"Paris"}'], {"city": "Paris"}),  # as the server wrote it, whole
        (["{bad"], {"arguments": "{bad"}),  # not JSON: wrapped, as in a whole answer
        (["[1, ", "2]"], {"arguments": "[1, 2]"}),  # JSON, not an object
        ([{"city": "Oslo"}], {"city": "Oslo"}),  # an object where a string belongs
    ],
)
def test_a_tool_calls_arguments_reach_the_client_as_one_json_object(
    fragments: list[Any], sent: dict[str, Any]
) -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed(chunk(tool_delta(0, fragments[0], "c0", "get_weather")))
    for more in fragments[1:]:
        events += stream.feed(chunk(tool_delta(0, more)))
    events += stream.feed(chunk({}, "tool_calls")) + stream.finish()
    datas = check_anthropic_stream(events)
    deltas = [d for d in datas if d["type"] == "content_block_delta"]
    assert len(deltas) == 1 and json.loads(deltas[0]["delta"]["partial_json"]) == sent
    if isinstance(fragments[0], str) and not fragments[0].startswith(("{bad", "[")):
        assert deltas[0]["delta"]["partial_json"] == "".join(fragments)


# -- Anthropic events → OpenAI chunks ----------------------------------------------------


def anthropic_events() -> list[SSEEvent]:
    raw: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_9",
                "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 1},
            },
        },
        {"type": "ping"},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "hm"},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "s"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "text_delta", "text": "Hello"},
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '{"c":'},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": "1}"},
        },
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 12},
        },
        {"type": "message_stop"},
    ]
    return [SSEEvent(r["type"], json.dumps(r)) for r in raw]


def test_anthropic_stream_to_openai_chunks() -> None:
    stream = AnthropicToOpenAIStream("gpt-facing")
    decoder = SSEDecoder()
    out: list[dict[str, Any]] = []
    for event in decoder.feed(b"".join(encode_sse(e) for e in anthropic_events())):
        out += stream.feed(event)
    out += stream.finish()
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == stream.id for c in out)
    assert out[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    deltas = [c["choices"][0]["delta"] for c in out if c["choices"]]
    assert "".join(d.get("content", "") for d in deltas) == "Hello"
    assert "".join(d.get("reasoning_content", "") for d in deltas) == "hm"
    calls = [tc for d in deltas for tc in d.get("tool_calls", [])]
    assert calls[0] == {
        "index": 0,
        "id": "toolu_1",
        "type": "function",
        "function": {"name": "Bash", "arguments": ""},
    }
    assert "".join(tc["function"]["arguments"] for tc in calls) == '{"c":1}'
    finishes = [c["choices"][0]["finish_reason"] for c in out if c["choices"]]
    assert [f for f in finishes if f] == ["tool_calls"]
    assert out[-1]["choices"] == [] and out[-1]["usage"]["prompt_tokens"] == 15
    usage = openai_stream_usage(out)
    assert usage is not None and usage.cache_read_tokens == 5 and usage.output_tokens == 12
    wire = b"".join(encode_chunk(c) for c in out) + DONE
    assert wire.endswith(b"data: [DONE]\n\n") and wire.count(b"data: ") == len(out) + 1


def test_anthropic_error_event_becomes_error_chunk() -> None:
    stream = AnthropicToOpenAIStream("m", include_usage=False)
    events = anthropic_events()[:3]
    err = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    out = [c for e in events for c in stream.feed(e)]
    out += stream.feed(SSEEvent("error", json.dumps(err)))
    assert out[-1] == {
        "error": {"message": "Overloaded", "type": "server_error", "param": None, "code": None}
    }
    assert "usage" not in out[0] and stream.finish() == []


def test_truncated_anthropic_stream_finishes_cleanly() -> None:
    stream = AnthropicToOpenAIStream("m")
    out = [c for e in anthropic_events()[:8] for c in stream.feed(e)] + stream.finish()
    assert out[-2]["choices"][0]["finish_reason"] == "stop"
    assert out[-1]["usage"]["completion_tokens"] == 1


# -- property: Anthropic → OpenAI → Anthropic keeps text and tool inputs -------------------

blocks = st.lists(
    st.one_of(
        st.tuples(
            st.just("text"), st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4)
        ),
        st.tuples(
            st.just("tool_use"),
            st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=4), max_size=3),
        ),
    ),
    max_size=4,
)


def anthropic_stream_of(spec: list[tuple[str, Any]]) -> list[SSEEvent]:
    raw: list[dict[str, Any]] = [
        {"type": "message_start", "message": {"usage": {"input_tokens": 3}}}
    ]
    for index, (kind, payload) in enumerate(spec):
        if kind == "text":
            start: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in payload]
        else:
            start = {"type": "tool_use", "id": f"toolu_{index}", "name": "f", "input": {}}
            args = json.dumps(payload)
            deltas = [
                {"type": "input_json_delta", "partial_json": args[i : i + 3]}
                for i in range(0, len(args), 3)
            ]
        raw.append({"type": "content_block_start", "index": index, "content_block": start})
        raw += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        raw.append({"type": "content_block_stop", "index": index})
    raw.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 9},
        }
    )
    raw.append({"type": "message_stop"})
    return [SSEEvent(r["type"], json.dumps(r)) for r in raw]


@settings(max_examples=150, deadline=None)
@given(blocks)
def test_round_trip_through_openai_chunks(spec: list[tuple[str, Any]]) -> None:
    to_openai = AnthropicToOpenAIStream("gpt")
    wire = b"".join(encode_chunk(c) for e in anthropic_stream_of(spec) for c in to_openai.feed(e))
    back = OpenAIToAnthropicStream("claude")
    events: list[SSEEvent] = []
    for event in SSEDecoder().feed(wire + DONE):
        if event.data != "[DONE]":
            events += back.feed(json.loads(event.data))
    datas = check_anthropic_stream(events + back.finish())
    texts = "".join(d["delta"].get("text", "") for d in datas if d["type"] == "content_block_delta")
    assert texts == "".join("".join(p) for k, p in spec if k == "text")
    inputs: dict[int, str] = {}
    for d in datas:
        if d["type"] == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            inputs[d["index"]] = inputs.get(d["index"], "") + d["delta"]["partial_json"]
    assert [json.loads(v) for v in inputs.values()] == [p for k, p in spec if k == "tool_use"]
    assert datas[-2]["usage"]["output_tokens"] == 9 and datas[-2]["usage"]["input_tokens"] == 3
    has_tool = any(k == "tool_use" for k, _ in spec)
    assert datas[-2]["delta"]["stop_reason"] == ("tool_use" if has_tool else "end_turn")


@pytest.mark.parametrize("reason", ["abort", "error"])
def test_an_unfinished_openai_stream_ends_with_an_error(reason: str) -> None:
    stream = OpenAIToAnthropicStream("claude-x", message_id="msg_1")
    events = stream.feed(chunk({"content": "half an"}))
    events += stream.feed(chunk({}, finish=reason))
    assert stream.finish() == []  # failed: nothing closes it again
    datas = check_anthropic_stream(events)
    assert [d["type"] for d in datas][-2:] == ["content_block_stop", "error"]
    assert stream.failure is not None and f"finish_reason '{reason}'" in stream.failure
    assert stream.stop_reason is None
    usage = {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3}}
    assert stream.feed(usage) == [] and stream.usage.output_tokens == 3  # billed all the same


def test_a_finished_openai_stream_has_no_failure() -> None:
    stream = OpenAIToAnthropicStream("claude-x", message_id="msg_1")
    stream.feed(chunk({"content": "all"}, finish="stop"))
    assert stream.failure is None and stream.stop_reason == "end_turn"
