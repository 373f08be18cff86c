from __future__ import annotations

import json
import math

from fulcrum.routing.tokens import (
    CHARS_PER_TOKEN,
    IMAGE_TOKENS,
    count_tokens_response,
    estimate_request_tokens,
    estimate_tokens_text,
)


def test_text_estimate_is_chars_over_3_5_rounded_up() -> None:
    assert estimate_tokens_text("") == 0
    assert estimate_tokens_text("abc") == 1
    assert estimate_tokens_text("a" * 35) == 10
    assert estimate_tokens_text("a" * 36) == 11


def test_request_estimate_counts_system_messages_and_tools_only() -> None:
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 128000,
        "temperature": 0.5,
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "messages": [{"role": "user", "content": "hello " * 100}],
        "tools": [{"name": "Bash", "input_schema": {"type": "object"}}],
    }
    counted = {k: body[k] for k in ("system", "messages", "tools")}
    chars = len(json.dumps(counted, ensure_ascii=False, separators=(",", ":")))
    assert estimate_request_tokens(body) == math.ceil(chars / CHARS_PER_TOKEN)
    # sampling fields do not change the estimate
    assert estimate_request_tokens({**body, "max_tokens": 1}) == estimate_request_tokens(body)


def test_empty_or_odd_bodies_never_raise() -> None:
    assert estimate_request_tokens({}) == 0
    assert estimate_request_tokens({"messages": "not a list"}) > 0
    assert estimate_request_tokens({"messages": [None, 3, {"content": [1, None]}]}) > 0


def test_base64_images_count_as_a_fixed_cost_not_their_size() -> None:
    data = "A" * 400_000
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
    body = {"messages": [{"role": "user", "content": [image, {"type": "text", "text": "what?"}]}]}
    tokens = estimate_request_tokens(body)
    assert IMAGE_TOKENS <= tokens < IMAGE_TOKENS + 100


def test_images_inside_tool_results_and_openai_data_urls() -> None:
    nested = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [{"type": "image", "source": {"type": "base64", "data": "B" * 100_000}}],
    }
    url = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "C" * 100_000}}
    body = {"messages": [{"role": "user", "content": [nested]}, {"role": "user", "content": [url]}]}
    assert 2 * IMAGE_TOKENS <= estimate_request_tokens(body) < 2 * IMAGE_TOKENS + 100


def test_count_tokens_response_shape() -> None:
    body = {"messages": [{"role": "user", "content": "x" * 350}]}
    assert count_tokens_response(body) == {"input_tokens": estimate_request_tokens(body)}
    assert count_tokens_response(body)["input_tokens"] > 100


def test_estimate_is_within_a_useful_band_of_real_prose() -> None:
    # English prose runs ~4 chars/token under real tokenizers; code is denser. The estimate
    # must stay on the safe (high) side of ~4 chars/token for plain prose.
    prose = "The quick brown fox jumps over the lazy dog. " * 200
    body = {"messages": [{"role": "user", "content": prose}]}
    assert estimate_request_tokens(body) >= len(prose) / 4


def test_raw_bytes_fast_path_tracks_the_serialized_estimate() -> None:
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 1000,
        "system": "You are a helpful assistant.",
        "messages": [{"role": "user", "content": "word " * 5000}],
    }
    raw = json.dumps(body).encode()
    slow = estimate_request_tokens(body)
    fast = estimate_request_tokens(body, raw)
    assert slow <= fast <= slow * 1.02 + 20  # runs slightly high, never low


def test_raw_bytes_count_characters_not_bytes() -> None:
    """Non-ASCII text counts the same from UTF-8 bytes (3 bytes a CJK character) as
    serialized: one character each; ``\\uXXXX``-escaped, six (high, the guard's safe side)."""
    body = {"model": "m", "messages": [{"role": "user", "content": "漢字テキスト" * 5000}]}
    slow = estimate_request_tokens(body)
    utf8 = json.dumps(body, ensure_ascii=False).encode()
    assert len(utf8) > 2.9 * len(json.dumps(body, ensure_ascii=False))
    assert slow <= estimate_request_tokens(body, utf8) <= slow * 1.02 + 20
    assert estimate_request_tokens(body, json.dumps(body).encode()) > slow


def test_raw_fast_path_still_discounts_images() -> None:
    image = {"type": "image", "source": {"type": "base64", "data": "Q" * 300_000}}
    body = {"messages": [{"role": "user", "content": [image]}]}
    raw = json.dumps(body).encode()
    assert IMAGE_TOKENS <= estimate_request_tokens(body, raw) < IMAGE_TOKENS + 50
