"""The wire registry: each format builds its request and reads text and usage from events."""

from __future__ import annotations

from fulcrum.probe.wire import APIS, Event


def test_openai_reads_text_and_last_chunk_usage_and_ignores_role_chunks() -> None:
    api = APIS["openai"]
    assert api.body("m", "hi", 4)["stream_options"] == {"include_usage": True}
    assert api.read({"choices": [{"delta": {"role": "assistant", "content": ""}}]}) == Event()
    assert api.read({"choices": [{"delta": {"content": "x"}}]}).text
    usage = {"prompt_tokens": 7, "completion_tokens": 3}
    assert api.read({"choices": [], "usage": usage}) == Event(False, 7, 3)


def test_anthropic_reads_message_start_deltas_and_message_delta() -> None:
    api = APIS["anthropic"]
    assert api.path == "/v1/messages" and api.headers("k")["x-api-key"] == "k"
    start = {"type": "message_start", "message": {"usage": {"input_tokens": 9}}}
    assert api.read(start) == Event(prompt_tokens=9)
    delta = {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "a"}}
    assert api.read(delta).text
    assert api.read({"type": "ping"}) == Event()
    end = {"type": "message_delta", "usage": {"output_tokens": 5}}
    assert api.read(end) == Event(output_tokens=5)
