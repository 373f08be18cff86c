"""A gateway with the routing brain on: a frontier (fake Anthropic) and a local backend."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fulcrum.ledger import LedgerRow, open_store
from fulcrum.testing.cli import run_cli
from fulcrum.testing.gateway import RunningGateway

from ..helpers import post_json

CONFIG = """
[server]
shutdown_timeout_s = 10
{ledger}
[backends.frontier]
format = "anthropic"
base_url = "{frontier}"
kind = "api"
provider = "anthropic"
models = ["claude-sonnet-4-6"]
[backends.frontier.retry]
attempts = 1
[backends.frontier.timeouts]
first_byte = 5
total = 10

[backends.local]
format = "openai"
base_url = "{local}"
kind = "local"
models = ["qwen-local"]
[backends.local.retry]
attempts = 1
[backends.local.timeouts]
first_byte = 5
total = 10

[routes]
default = "frontier"
fallbacks = ["frontier"]
background_models = []

{policy}
"""

SECRETS_RULE = """
[[policy.rules]]
name = "secrets-stay-home"
when = { secrets = true }
route = "local"
never_leaves = true
"""


def repo_stays_home(repo: str) -> str:
    """A policy whose one rule keeps the main loop of sessions in ``repo`` on this machine,
    everything else going to the frontier (the rule is named ``<repo>-stays-home``)."""
    return f"""
[policy]
otherwise = "frontier"
[[policy.rules]]
name = "{repo}-stays-home"
when = {{ repo = "{repo}", kind = "main" }}
never_leaves = true
"""


def brain_config(frontier: str, local: str, policy: str, *, ledger_url: str | None = None) -> str:
    ledger = f'[ledger]\nurl = "{ledger_url}"\n' if ledger_url else ""
    return CONFIG.format(frontier=frontier, local=local, policy=policy, ledger=ledger)


def ask(
    gw: RunningGateway,
    session: str,
    messages: list[dict[str, Any]],
    *,
    stream: bool = False,
    max_tokens: int = 64,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": max_tokens,
        "messages": messages,
        "stream": stream,
    }
    return post_json(gw, "/v1/messages", body, {"x-fulcrum-session": session, **(headers or {})})


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def tool_loop(
    turns: int, first: str, *, output: str | None = None, failed: bool = False
) -> list[dict[str, Any]]:
    """A conversation of ``turns`` tool round trips after the first request (each result
    ``output``, else ``ok N``; ``failed``: every result an error)."""
    messages: list[dict[str, Any]] = user(first)
    for n in range(turns):
        call = {"type": "tool_use", "id": f"toolu_{n}", "name": "Bash", "input": {"n": n}}
        messages.append({"role": "assistant", "content": [call]})
        result = {"type": "tool_result", "tool_use_id": f"toolu_{n}",
                  "content": output if output is not None else f"ok {n}"}  # fmt: skip
        if failed:
            result["is_error"] = True
        messages.append({"role": "user", "content": [result]})
    return messages


def ledger_rows(url: str | None = None) -> list[LedgerRow]:
    store = open_store(url, create=False)
    try:
        return list(store.rows())
    finally:
        store.close()


class Explain:
    """``route explain --json`` on the gateway's config, one request body at a time."""

    def __init__(self, tmp_path: Path, config: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.dir = tmp_path
        self.config = tmp_path / "gateway.toml"
        self.config.write_text(config)
        self.capsys = capsys

    def __call__(self, session: str, messages: list[dict[str, Any]], *, max_tokens: int = 64,
                 stream: bool = False) -> dict[str, Any]:  # fmt: skip
        body = {"model": "claude-sonnet-4-6", "max_tokens": max_tokens, "messages": messages,
                "stream": stream}  # fmt: skip
        request = self.dir / "request.json"
        request.write_text(json.dumps(body))
        argv = ["route", "explain", str(request), "--config", str(self.config)]
        code, out, err = run_cli([*argv, "--session", session, "--json"], self.capsys)
        assert (code, err) == (0, "")
        data: dict[str, Any] = json.loads(out)
        return data


def metric(gw: RunningGateway, name: str, **labels: str) -> float:
    """One sample of the gateway's ``/metrics``, read with Prometheus' own parser."""
    with urllib.request.urlopen(gw.url + "/metrics", timeout=10) as resp:
        text = resp.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"{name}{labels} is not in /metrics")


def ui_data(gw: RunningGateway) -> dict[str, Any]:
    """The dashboard's ``/ui/data.json``."""
    with urllib.request.urlopen(gw.url + "/ui/data.json", timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data
