"""``/ui`` in ``fulcrum serve``: the numbers come from the ledger and move with traffic."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.fakes import FakeOpenAI
from fulcrum.gateway.config import load_config
from fulcrum.report.live import next_steps
from fulcrum.testing.gateway import RunningGateway, running_gateway


def get(gw: RunningGateway, path: str, headers: dict[str, str] | None = None) -> Any:
    req = urllib.request.Request(gw.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        raise
    return json.loads(body) if path.endswith(".json") else body.decode()


def send(gw: RunningGateway, model: str = "claude-sonnet-4-6", key: str | None = None) -> None:
    body = {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"content-type": "application/json", "anthropic-version": "2023-06-01"}
    if key:
        headers["x-api-key"] = key
    req = urllib.request.Request(gw.url + "/v1/messages", json.dumps(body).encode(), headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def wait_calls(gw: RunningGateway, n: int, headers: dict[str, str] | None = None) -> Any:
    deadline = time.monotonic() + 10
    while True:
        data = get(gw, "/ui/data.json", headers)
        if data["ledger"] and data["ledger"]["calls"] >= n:
            return data
        assert time.monotonic() < deadline, data
        time.sleep(0.1)


def test_numbers_move_after_requests(gateway_toml: str) -> None:
    with running_gateway(gateway_toml) as gw:
        send(gw)
        first = wait_calls(gw, 1)
        send(gw, "tiny")
        data = wait_calls(gw, 2)
    ledger = data["ledger"]
    assert first["ledger"]["local_share_month"] == 0.0
    assert ledger["local_share_month"] == pytest.approx(0.5)
    assert ledger["today_calls"] == 2
    assert [r["route"] for r in ledger["recent"]] == ["llamacpp/tiny", "claude/claude-sonnet-4-6"]
    assert {b["name"]: b["circuit"] for b in data["backends"]} == {
        "claude": "closed", "llamacpp": "closed"
    }  # fmt: skip
    assert data["next_steps"] == []


def test_the_decision_of_the_embedded_example_is_served(gateway_toml: str) -> None:
    with running_gateway(gateway_toml) as gw:
        deadline = time.monotonic() + 20
        while (card := get(gw, "/ui/decision.json"))["status"] == "computing":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        page = get(gw, "/ui")
    assert card["status"] == "ready", card
    assert card["file"] == "example_scenario.toml"
    assert card["recommendation"]
    assert 'data-chart="cumulative"' in card["chart"]
    assert "/ui/data.json" in page and "http://" not in page and "https://" not in page


def test_behind_client_keys(gateway_toml: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "sekrit")
    with running_gateway(gateway_toml) as gw:
        page = get(gw, "/ui")  # the page holds no data: a browser opens it without a header
        with pytest.raises(urllib.error.HTTPError) as denied:
            get(gw, "/ui/data.json")
        send(gw, key="sekrit")
        data = wait_calls(gw, 1, {"x-api-key": "sekrit"})
    assert denied.value.code == 401 and "/ui/data.json" in str(page)
    assert data["ledger"]["calls"] == 1


def test_ui_can_be_turned_off(gateway_toml: str) -> None:
    off = gateway_toml.replace("refresh_s = 0.3", "enabled = false")
    with running_gateway(off) as gw, pytest.raises(urllib.error.HTTPError) as missing:
        get(gw, "/ui")
    assert missing.value.code == 404


def test_a_bad_ui_table_names_the_field(gateway_toml: str) -> None:
    base = gateway_toml.split("[ui]", maxsplit=1)[0]
    with pytest.raises(ConfigError, match=r"ui\.refresh_s"):
        load_config(text=base + "[ui]\nrefresh_s = 0\n", env={})
    with pytest.raises(ConfigError, match=r"ui\.colour"):
        load_config(text=base + "[ui]\ncolour = 1\n", env={})
    ui = load_config(text=base + '[ui]\nscenario = "team.toml"\n', env={}).extensions["ui"]
    assert ui.scenario_path().name == "team.toml"


def test_next_steps_say_what_to_connect() -> None:
    assert len(next_steps(set())) == 2
    assert next_steps({"local"}) == [next_steps({"local"})[0]]
    assert "ANTHROPIC_API_KEY" in next_steps({"local"})[0]
    assert next_steps({"local", "api"}) == []


def test_a_pool_shows_its_replicas(gateway_toml: str) -> None:
    with FakeOpenAI() as second:
        local = re.search(
            r'\[backends\.llamacpp\]\nformat = "openai"\nbase_url = "([^"]+)"', gateway_toml
        )
        assert local is not None
        pooled = gateway_toml.replace(
            f'base_url = "{local.group(1)}"',
            f'base_urls = ["{local.group(1)}", "{second.url}"]',
        )
        with running_gateway(pooled) as gw:
            send(gw, "tiny")
            data = wait_calls(gw, 1)
    llama = next(b for b in data["backends"] if b["name"] == "llamacpp")
    assert [r["health"] for r in llama["replicas"]] == ["up", "up"]
    assert llama["waiting"] == 0 and data["queued"] == 0


def test_the_serve_banner_names_the_dashboard_and_where_its_key_goes() -> None:
    from fulcrum.gateway.config import load_config  # noqa: PLC0415
    from fulcrum.gateway.serve import banner  # noqa: PLC0415

    text = (
        '[backends.llama]\nformat = "openai"\nbase_url = "http://127.0.0.1:8080"\nkind = "local"\n'
    )
    plain = banner(load_config(text=text, env={}), "http://127.0.0.1:8787")
    keyed = banner(load_config(text=text, env={"FULCRUM_CLIENT_KEYS": "k"}), "http://h:1")
    off = banner(load_config(text=text + "[ui]\nenabled = false\n", env={}), "http://h:1")
    assert "dashboard: http://127.0.0.1:8787/ui\n" in plain + "\n"
    assert "dashboard: http://h:1/ui#key=<a client key>" in keyed
    assert "dashboard:" not in off


def test_the_page_reads_the_fields_data_json_sends(gateway_toml: str) -> None:
    budgeted = gateway_toml.replace(
        "[ui]",
        '[policy]\nfrontier = "claude"\n[policy.budget]\ndaily_usd = 20\n'
        "[policy.latency]\nttft_ms_max = 4000\n\n[ui]",
    )
    with running_gateway(budgeted) as gw:
        send(gw)
        data = wait_calls(gw, 1)
        page = get(gw, "/ui")
    latency = {b["name"]: b["latency"] for b in data["backends"]}
    assert latency["claude"] is None and latency["llamacpp"]["limit_ms"] == 4000
    slo = set(re.findall(r"\bx\.(\w+)", page))  # what the backends' rows show of it
    assert slo and slo <= set(latency["llamacpp"]), slo - set(latency["llamacpp"])
    assert data["threshold"] == 0.65  # before 20 scores: the one the target implies (its share)
    window = data["budget"]["global/day"]
    assert window["limit"] == "20"
    read = set(re.findall(r"\bw\.(\w+)", page))  # what the budget tile shows of each window
    assert read and read <= set(window), (read, set(window))
    ledger_fields = set(re.findall(r"\bl\.(\w+)", page))
    assert ledger_fields <= set(data["ledger"]), ledger_fields - set(data["ledger"])
    assert {"today_cost_unknown_calls", "month_cost_unknown_calls"} <= ledger_fields


def test_a_budget_it_cannot_read_is_a_note_not_a_500(
    gateway_toml: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3  # noqa: PLC0415

    from fulcrum.report import live  # noqa: PLC0415

    def locked(state: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(live, "budget_numbers", locked)
    with running_gateway(gateway_toml) as gw:
        data = get(gw, "/ui/data.json")
    assert data["budget"] is None
    assert data["budget_note"] == "cannot read the budget: database is locked"
