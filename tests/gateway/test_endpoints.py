"""count_tokens, models, healthz, metrics, and bodies kept only on request."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from fulcrum.catalog import loader
from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import HI, claude_client, gateway_config, openai_client, post_json


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text) as gw:
        yield gw


def test_count_tokens_forwarded_to_an_anthropic_backend(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    client = claude_client(gateway)
    counted = client.messages.count_tokens(model="claude-sonnet-4-6", messages=HI)  # type: ignore[arg-type]
    assert counted.input_tokens > 0
    assert fake_anthropic.requests[-1].path == "/v1/messages/count_tokens"


def test_count_tokens_estimated_for_an_openai_backend(
    gateway: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    body = {"model": "to-openai", "messages": [{"role": "user", "content": "x" * 700}]}
    code, headers, raw = post_json(gateway, "/v1/messages/count_tokens", body)
    assert code == 200
    assert headers["x-fulcrum-count-source"] == "estimate"
    assert headers["x-fulcrum-backend"] == "gpt"
    assert 200 <= json.loads(raw)["input_tokens"] <= 260  # ~700 chars / 3.5
    assert fake_openai.requests == []


def test_models_lists_aliases_and_backend_models(gateway: RunningGateway) -> None:
    ids = [m.id for m in openai_client(gateway).models.list()]
    assert {"to-openai", "to-claude", "claude-sonnet-4-6", "gpt-4o-mini"} <= set(ids)
    listed = claude_client(gateway).models.list()
    assert "to-claude" in [m.id for m in listed.data]


def test_a_model_is_retrieved_by_both_sdks(gateway: RunningGateway) -> None:
    assert openai_client(gateway).models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    assert claude_client(gateway).models.retrieve("to-claude").id == "to-claude"
    with pytest.raises(openai.NotFoundError) as oa:
        openai_client(gateway).models.retrieve("no-such-model")
    assert "no-such-model" in oa.value.message and oa.value.status_code == 404
    with pytest.raises(anthropic.NotFoundError) as an:  # its error shape: Anthropic's
        claude_client(gateway).models.retrieve("no-such-model")
    assert an.value.body["error"]["type"] == "not_found_error" and an.value.body["type"] == "error"


def test_healthz_and_metrics(gateway: RunningGateway, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.push(Reply("x", output_tokens=2))
    code, _, _ = post_json(
        gateway, "/v1/messages", {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}
    )
    assert code == 200
    with urllib.request.urlopen(gateway.url + "/healthz") as resp:
        health = json.loads(resp.read())
    assert health == {
        "status": "ok",
        "backends": {"claude": "closed", "gpt": "closed"},
        "pid": os.getpid(),  # the test's gateway runs in this process
    }
    time.sleep(0.2)  # calls are metered in batches every 50 ms
    with urllib.request.urlopen(gateway.url + "/metrics") as resp:
        text = resp.read().decode()
    assert (
        'fulcrum_requests_total{backend="claude",endpoint="/v1/messages",status="200"} 1.0' in text
    )
    assert 'fulcrum_tokens_total{backend="claude",direction="output"} 2.0' in text


@pytest.mark.parametrize("store", [False, True])
def test_bodies_stored_only_when_asked(
    fake_anthropic: FakeAnthropic, config_text: str, store: bool
) -> None:
    text = config_text.replace("[server]", f"[server]\nstore_bodies = {str(store).lower()}")
    fake_anthropic.push(Reply("secret answer"))
    fake_anthropic.push(Reply("streamed secret"))
    with running_gateway(text) as gw:
        body = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}
        assert post_json(gw, "/v1/messages", body)[0] == 200
        assert post_json(gw, "/v1/messages", {**body, "stream": True})[0] == 200
        gw.stop()
    rows = open_store(None).rows()
    assert len(rows) == 2
    for row, answer in zip(rows, ("secret answer", "streamed"), strict=True):
        if store:
            assert row.request_body is not None and '"hi"' in row.request_body
            assert row.response_body is not None and answer in row.response_body
        else:
            assert row.request_body is None and row.response_body is None


def test_the_catalog_is_loaded_once_for_prices_and_models(
    monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """One load at start-up serves both the ledger's prices and a glob alias on /v1/models."""
    loads: list[str] = []
    read = loader._read_bundled

    def counting(name: str) -> dict[str, Any]:
        if name == "models.toml":
            loads.append(name)
        return read(name)

    monkeypatch.setattr(loader, "_read_bundled", counting)
    text = gateway_config(
        fake_anthropic.url, fake_openai.url, aliases_extra='"claude-*" = "claude"'
    )
    with running_gateway(text) as gw:
        claude_client(gw).messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=HI)
        ids = [m.id for m in openai_client(gw).models.list()]
        gw.stop()
    assert "claude-opus-4-1" in ids  # a catalog model the glob alias routes
    (row,) = open_store(None).rows()
    assert row.cost_usd is not None and row.counterfactual_usd is not None
    assert loads == ["models.toml"]
