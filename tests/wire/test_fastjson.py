"""The metering path's JSON gives what :mod:`json` gives, including where orjson refuses."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from fulcrum.wire import fastjson

ANSWER = (
    b'{"id":"chatcmpl-1","object":"chat.completion","model":"m","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"caf\\u00e9 \xe2\x9c\x93"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":28,"completion_tokens":8,"total_tokens":36}}'
)


@pytest.mark.parametrize(
    "text",
    [ANSWER, ANSWER.decode(), b'{"a":"\\ud83d"}', b'{"a":1e400}', b"[1, 2.5, null, true]"],
    ids=["bytes", "str", "lone-surrogate", "beyond-double", "array"],
)
def test_loads_is_json_loads(text: bytes | str) -> None:
    assert fastjson.loads(text) == json.loads(text)


def test_nan_reads_as_json_reads_it() -> None:
    assert math.isnan(fastjson.loads(b'{"a": NaN}')["a"])


@pytest.mark.parametrize("text", [b"", b"{", b"not json", b'{"a":1}x'])
def test_loads_refuses_what_is_not_json(text: bytes) -> None:
    with pytest.raises(ValueError):
        fastjson.loads(text)


def test_dumps_is_compact_json() -> None:
    obj = {"backend": "fake", "status": 200, "reason": None, "ms": 0.5218449987296481, "é": [1]}
    assert fastjson.dumps(obj) == json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    assert json.loads(fastjson.dumps(obj)) == obj


def test_dumps_falls_back_where_orjson_refuses_and_uses_default() -> None:
    big = {"n": 2**70, 1: "non-string key"}
    assert fastjson.dumps(big) == json.dumps(big, separators=(",", ":"))
    assert fastjson.dumps({"usd": Decimal("0.10")}, default=str) == '{"usd":"0.10"}'
    with pytest.raises(TypeError):
        fastjson.dumps({"usd": Decimal("0.10")})
