"""Shared helpers: a gateway config with one local backend, raw POSTs, the answer's shape."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from fulcrum.testing.gateway import RunningGateway

CONFIG = """
[machine]
price_usd = 2000
load_w = 300

[backends.small]
format = "{fmt}"
base_url = "{url}"
kind = "local"
models = ["{model}"]
count_tokens = false
[backends.small.retry]
attempts = 1

[routes]
default = "small"

{wake}
"""

# What every answer of /v1/wake is, whatever the backend said.
ANSWER = Draft202012Validator(
    {
        "type": "object",
        "properties": {
            "wake": {"type": "boolean"},
            "label": {"type": "string"},
            "labels": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "reason": {"type": "string", "maxLength": 160},
            "backend": {"type": "string"},
            "latency_ms": {"type": "number", "minimum": 0},
            "fallback": {"type": "boolean"},
            "tries": {"type": "integer", "minimum": 0, "maximum": 2},
            "id": {"type": "string", "minLength": 32},
        },
        "required": [
            "wake",
            "label",
            "labels",
            "confidence",
            "reason",
            "backend",
            "latency_ms",
            "id",
        ],
    }
)


def config(url: str, *, model: str = "small-model", wake: str = "", fmt: str = "openai") -> str:
    return CONFIG.format(url=url, model=model, wake=wake, fmt=fmt)


def post(gw: RunningGateway, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    """A raw POST: the status and the parsed JSON answer."""
    url = urlsplit(gw.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.request("POST", path, data, {"content-type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()
