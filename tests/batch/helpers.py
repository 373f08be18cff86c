"""Shared pieces of the batch tests: the gateway config on a llama.cpp server, batch input."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fulcrum.testing.gateway import local_config

ALWAYS = 'window = "00:00-24:00"\nmax_concurrent = 4\npoll_s = 0.05'


# A local fake for "local-model" and a frontier fake for Claude; items run at any hour.
FAKES_CONFIG = """
[backends.box]
format = "openai"
base_url = "{local}"
kind = "local"
models = ["local-model"]

[backends.claude]
format = "anthropic"
base_url = "{api}"
kind = "api"
provider = "anthropic"
models = ["claude-opus-4-1"]

[routes]
default = "box"

[batch]
window = "00:00-24:00"
poll_s = 0.05
"""


def llama_config(url: str, model: str, batch: str = ALWAYS, fmt: str = "openai") -> str:
    """One local backend with a [batch] table."""
    return local_config(url, model, fmt=fmt, extra=f"\n[batch]\n{batch}\n")


def chat_body(i: int, model: str = "claude-sonnet-4-6") -> dict[str, Any]:
    return {"model": model, "max_tokens": 8, "messages": [{"role": "user", "content": f"hi {i}"}]}


def openai_line(custom_id: str, model: str = "local-model", **fields: Any) -> bytes:
    """One line of OpenAI batch input (``fields`` replace ``method``, ``url``, ``body``)."""
    line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": chat_body(0, model), **fields}  # fmt: skip
    return json.dumps(line).encode() + b"\n"


def openai_lines(n: int) -> bytes:
    lines = (
        {"custom_id": f"item-{i}", "method": "POST", "url": "/v1/chat/completions",
         "body": chat_body(i, "gpt-4o-mini")}
        for i in range(n)
    )  # fmt: skip
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def wait_for(check: Callable[[], Any], timeout: float = 120.0, every: float = 0.1) -> Any:
    """``check()`` until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(every)
