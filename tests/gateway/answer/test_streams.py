"""Stream pumps: fix-ups that keep a pass-through stream valid, usage read afterwards."""

from __future__ import annotations

import json

import pytest

from fulcrum.gateway.answer.responsespump import ResponsesPump
from fulcrum.gateway.answer.streams import AnthropicPump, OpenAIPump, strip_usage_chunks
from fulcrum.wire.sse import SSEDecoder, encode_sse, json_event
from fulcrum.wire.usage import TokenUsage

BLOCK_START = (
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
)
DELTA = (
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},'
    b'"usage":{"input_tokens":12,"output_tokens":7}}\n\nevent: message_stop\n'
    b'data: {"type":"message_stop"}\n\n'
)


def test_a_stream_without_message_start_gets_one() -> None:
    pump = AnthropicPump("local-model", include_usage=False)
    out = pump.transform(BLOCK_START) + pump.transform(DELTA)
    events = SSEDecoder().feed(out)
    assert [e.event for e in events][:2] == ["message_start", "content_block_start"]
    start = json.loads(events[0].data)["message"]
    assert start["model"] == "local-model" and start["content"] == []
    assert pump.complete
    usage = pump.usage()
    assert (usage.input_tokens, usage.output_tokens) == (12, 7)


def test_a_stream_with_message_start_is_untouched() -> None:
    first = b'event: message_start\ndata: {"type":"message_start","message":{}}\n\n'
    pump = AnthropicPump("m", include_usage=False)
    assert pump.transform(first) == first


def test_usage_chunk_stripped_for_a_client_that_did_not_ask() -> None:
    text = b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'
    usage = b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'
    done = b"data: [DONE]\n\n"
    pump = OpenAIPump("m", include_usage=False)
    out = pump.transform(text) + pump.transform(usage + done)
    assert b"usage" not in out and out.endswith(done) and out.startswith(text)
    assert pump.usage().output_tokens == 2  # the gateway still read it
    kept = OpenAIPump("m", include_usage=True)
    assert kept.transform(usage) == usage
    assert strip_usage_chunks(text) == text


@pytest.mark.parametrize("end", [b"\r\n\r\n", b"\n\n"])
def test_usage_chunk_stripped_whatever_ends_the_events(end: bytes) -> None:
    # sse-starlette (llama-cpp-python's server) ends events with CRLF; a stream's last events
    # often come in one read
    text = b'data: {"choices":[{"delta":{"content":"hi"}}]}' + end
    stop = b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}' + end
    usage = b'data: {"choices": [],"usage":{"prompt_tokens":3,"completion_tokens":2}}' + end
    done = b"data: [DONE]" + end
    pump = OpenAIPump("m", include_usage=False)
    out = pump.transform(text) + pump.transform(stop + usage + done)
    assert out == text + stop + done
    assert pump.usage().output_tokens == 2


def test_a_cut_pass_through_stream_closes_its_open_block_then_errors() -> None:
    pump = AnthropicPump("m", include_usage=False)
    start = b'event: message_start\ndata: {"type":"message_start","message":{}}\n\n'
    cut = b'event: content_block_delta\ndata: {"type":"content_blo'  # cut mid-event
    client = pump.transform(start + BLOCK_START) + pump.transform(cut)
    client += pump.fail("upstream broke")
    events = SSEDecoder().feed(client)
    names = [e.event for e in events]
    assert names == ["message_start", "content_block_start", "content_block_stop", "error"]
    assert json.loads(events[-2].data)["index"] == 0
    assert json.loads(events[-1].data)["error"]["message"] == "upstream broke"


def test_an_event_split_across_chunks_is_sent_whole() -> None:
    pump = OpenAIPump("m", include_usage=True)
    event = b'data: {"choices":[{"delta":{"content":"hello"}}]}\n\n'
    assert pump.transform(event[:20]) == b""  # nothing half-sent
    assert pump.transform(event[20:] + event[:5]) == event
    assert pump.transform(event[5:]) == event
    crlf = b"data: {}\r\n\r\n"
    assert pump.transform(crlf) == crlf


def _chunk(usage: object, content: str = "hi") -> bytes:
    delta = {"choices": [{"index": 0, "delta": {"content": content}}], "usage": usage}
    return b"data: " + json.dumps(delta).encode()


@pytest.mark.parametrize("blank", [b"\n\n", b"\r\n\r\n", b"\r\r"])
def test_openai_usage_is_the_last_usage_object_whatever_the_line_endings(blank: bytes) -> None:
    """Read from the last event naming usage (not the whole stream) when it holds one, and
    from the whole stream when it does not; a content delta quoting "usage": is no usage."""
    last = {
        "prompt_tokens": 30,
        "completion_tokens": 7,
        "prompt_tokens_details": {"cached_tokens": 10},
    }
    events = [
        _chunk(None, 'say "usage": {}'),
        _chunk(None),
        _chunk({"prompt_tokens": 1}),
        _chunk(last),
    ]
    raw = blank.join([*events, b"data: [DONE]", b""])
    assert OpenAIPump.usage_of(raw) == TokenUsage(20, 7, cache_read_tokens=10)
    earlier = blank.join([_chunk({"prompt_tokens": 5, "completion_tokens": 2}), _chunk(None), b""])
    assert OpenAIPump.usage_of(earlier) == TokenUsage(5, 2)
    none = blank.join([_chunk(None), _chunk(None, 'a "usage": null'), b"data: [DONE]", b""])
    assert OpenAIPump.usage_of(none) == TokenUsage(0, 0)
    assert OpenAIPump.usage_of(b"data: [DONE]\n\n") == TokenUsage(0, 0)


def test_a_responses_stream_ends_at_its_final_event_however_long() -> None:
    """The final event carries the whole response: read on the stream, not a short tail."""
    pump = ResponsesPump("m")
    usage = {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 2}, "output_tokens": 3}
    final = {"type": "response.completed", "sequence_number": 7,
             "response": {"output": [{"text": "x" * 2000}], "usage": usage}}  # fmt: skip
    pump.transform(b'event: response.created\ndata: {"type":"response.created"}\n\n')
    assert not pump.complete
    pump.transform(encode_sse(json_event(final)))
    assert pump.complete and pump.usage() == TokenUsage(10, 3, cache_read_tokens=2)
    error = json.loads(pump.fail("cut").decode().split("data: ", 1)[1])
    assert error == {"type": "error", "code": "server_error", "message": "cut", "param": None,
                     "sequence_number": 8}  # fmt: skip
