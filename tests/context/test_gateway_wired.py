"""``[context]`` on the gateway's request path: a local route's request reaches its backend with
the current turn's snippets, the ledger row counts the tokens added, a frontier route is not
touched."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

CONFIG = """
[backends.llama]
format = "openai"
base_url = "{local}"
kind = "local"
models = ["qwen-local"]

[backends.claude]
format = "anthropic"
base_url = "{frontier}"
kind = "api"
models = ["claude-sonnet-4-6"]

[routes]
default = "claude"

[context]
root = "{root}"
embedder = "none"
budget_tokens = 400
"""


def post_json(gw: RunningGateway, path: str, body: Any) -> tuple[int, None, bytes]:
    req = urllib.request.Request(gw.url + path, data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, None, resp.read()


def test_a_local_request_carries_the_snippets_and_the_ledger_counts_them(repo: Path) -> None:
    ask = [{"role": "user", "content": "where is load_settings defined?"}]
    with FakeOpenAI() as local, FakeAnthropic() as frontier:
        text = CONFIG.format(local=local.url, frontier=frontier.url, root=repo)
        with running_gateway(text) as gw:
            status, _, _ = post_json(gw, "/v1/chat/completions",
                                     {"model": "qwen-local", "messages": ask})  # fmt: skip
            assert status == 200
            body = {"model": "claude-sonnet-4-6", "max_tokens": 20, "messages": ask}
            assert post_json(gw, "/v1/messages", body)[0] == 200
        (sent,) = [r.body for r in local.requests if r.body]
        (untouched,) = [r.body for r in frontier.requests if r.body]
    system = sent["messages"][0]
    assert system["role"] == "system" and "pkg/config.py" in json.dumps(system)
    assert "pkg/config.py" not in json.dumps(untouched)
    rows = {r.backend: r for r in open_store(None).rows()}
    assert rows["llama"].context_tokens > 0 and rows["claude"].context_tokens == 0
