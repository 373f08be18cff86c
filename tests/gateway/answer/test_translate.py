"""The bytes sent upstream: the client's own when nothing changes, its bytes with keys
appended when keys are only added, a fresh encoding otherwise."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.gateway.answer.translate import answer_measures, upstream_body, with_added_keys
from fulcrum.gateway.upstream.formats import ANTHROPIC, OPENAI

HI = [{"role": "user", "content": 'héllo "there"'}]


def _raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body, indent=1).encode() + b"\n"  # a client's own spacing


def test_an_unchanged_body_goes_as_the_client_sent_it() -> None:
    body = {"model": "m", "max_tokens": 9, "messages": HI}
    raw = _raw(body)
    out = upstream_body(ANTHROPIC, body, raw, fmt=ANTHROPIC, model="m", max_tokens=None,
                        stream=False)  # fmt: skip
    assert out is raw


def test_an_openai_stream_gets_its_usage_option_appended_to_the_client_bytes() -> None:
    body = {"model": "m", "messages": HI, "stream": True}
    raw = _raw(body)
    out = upstream_body(OPENAI, body, raw, fmt=OPENAI, model="m", max_tokens=None, stream=True)
    assert out.startswith(raw.rstrip()[:-1])  # the client's bytes, untouched
    assert json.loads(out) == {**body, "stream_options": {"include_usage": True}}


def test_a_changed_value_is_encoded_again() -> None:
    body = {"model": "alias", "messages": HI, "stream": True, "max_tokens": 500}
    raw = _raw(body)
    out = upstream_body(OPENAI, body, raw, fmt=OPENAI, model="real", max_tokens=100, stream=True)
    assert b"alias" not in out
    assert json.loads(out) == {**body, "model": "real", "max_tokens": 100,
                               "stream_options": {"include_usage": True}}  # fmt: skip


def test_only_pure_additions_are_appended() -> None:
    body = {"a": 1, "b": [1]}
    assert with_added_keys(b'{"a":1,"b":[1]}', body, {"a": 1, "b": [1], "c": 2}) == (
        b'{"a":1,"b":[1],"c":2}'
    )
    assert with_added_keys(b'{"a":1,"b":[1]}', body, {"a": 2, "b": [1], "c": 2}) is None
    assert with_added_keys(b'{"a":1,"b":[1]}', body, {"a": 1, "c": 2}) is None  # b removed
    assert with_added_keys(b"{}", {}, {"c": 2}) is None


def test_unsigned_thinking_is_dropped_before_an_anthropic_backend_and_signed_goes_as_sent() -> None:
    def turn(signature: str | None) -> list[dict[str, Any]]:
        thinking = {"type": "thinking", "thinking": "hm"}
        if signature is not None:
            thinking["signature"] = signature
        said = {"role": "assistant", "content": [thinking, {"type": "text", "text": "ok"}]}
        return [*HI, said, {"role": "user", "content": "go on"}]

    for signature in ("", None):
        body = {"model": "m", "max_tokens": 9, "messages": turn(signature)}
        out = upstream_body(ANTHROPIC, body, _raw(body), fmt=ANTHROPIC, model="m",
                            max_tokens=None, stream=False)  # fmt: skip
        assert json.loads(out)["messages"][1]["content"] == [{"type": "text", "text": "ok"}]
        assert body["messages"][1]["content"][0]["type"] == "thinking"  # the client's untouched
    signed = {"model": "m", "max_tokens": 9, "messages": turn("EqQBCkYIBxgCKkB")}
    raw = _raw(signed)
    out = upstream_body(ANTHROPIC, signed, raw, fmt=ANTHROPIC, model="m", max_tokens=None,
                        stream=False)  # fmt: skip
    assert out is raw


def test_a_local_models_blank_text_before_a_tool_call_is_not_sent_to_an_anthropic_backend() -> None:
    call = {"type": "tool_use", "id": "c1", "name": "Bash", "input": {}}
    said = {"role": "assistant", "content": [{"type": "text", "text": "\n\n"}, call]}
    body = {"model": "m", "max_tokens": 9, "messages": [*HI, said]}
    out = upstream_body(ANTHROPIC, body, _raw(body), fmt=ANTHROPIC, model="m", max_tokens=None,
                        stream=False)  # fmt: skip
    assert json.loads(out)["messages"][1]["content"] == [call]


def test_a_whole_answer_is_read_once_for_its_usage_and_its_generation_time() -> None:
    llama = {"usage": {"prompt_tokens": 12, "completion_tokens": 7},
             "timings": {"prompt_ms": 40.5, "predicted_ms": 210.25, "predicted_n": 7}}  # fmt: skip
    usage, generated = answer_measures(OPENAI, json.dumps(llama).encode())
    assert (usage.input_tokens, usage.output_tokens, generated) == (12, 7, 210.25)
    vllm = {"usage": {"prompt_tokens": 12, "completion_tokens": 7}}
    assert answer_measures(OPENAI, json.dumps(vllm).encode())[1] is None
    odd = {"usage": {"completion_tokens": 7}, "timings": {"predicted_ms": "soon"}}
    assert answer_measures(OPENAI, json.dumps(odd).encode())[1] is None
    for broken in (b"not json", b"[1, 2]"):
        usage, generated = answer_measures(OPENAI, broken)
        assert (usage.output_tokens, generated) == (0, None)
