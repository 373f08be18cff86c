"""Cross-site requests, requests that used to be 500s, and a backend refusing the gateway's key.

Every refused request is checked end to end on real loopback servers: the status, the
provider-shaped body, that the fake upstream received nothing and that no ledger row was
written.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import HI, gateway_config, post_json

MESSAGES = "/v1/messages"
CHAT = "/v1/chat/completions"
CLAUDE = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": HI}
GPT = {"model": "gpt-4o-mini", "messages": HI}
JSON_HEADERS = {"content-type": "application/json"}


def raw_post(
    gw: RunningGateway, path: str, body: bytes, headers: Mapping[str, str | bytes]
) -> tuple[int, dict[str, str], bytes]:
    """A POST with exactly these headers (plus Host and Content-Length unless given)."""
    url = urlsplit(gw.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=dict(headers))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def anthropic_error(status: int, raw: bytes, kind: str) -> str:
    payload = json.loads(raw)
    assert payload["type"] == "error", payload
    assert payload["error"]["type"] == kind, payload
    return str(payload["error"]["message"])


def openai_error(raw: bytes, kind: str = "invalid_request_error") -> dict[str, Any]:
    error = json.loads(raw)["error"]
    assert error["type"] == kind and "message" in error and "code" in error, error
    return dict(error)


def assert_untouched(gw: RunningGateway, *fakes: FakeAnthropic | FakeOpenAI) -> None:
    gw.stop()
    for fake in fakes:
        assert fake.requests == []
    assert open_store(None).rows() == []


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text) as gw:
        yield gw


# --- cross-site --------------------------------------------------------------------------


def test_the_browser_attack_is_refused(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """The probe's request: text/plain, a foreign Host and Origin; once per check."""
    body = json.dumps(CLAUDE).encode()
    attack = {
        "content-type": "text/plain",
        "host": "attacker.example",
        "origin": "http://attacker.example",
    }
    code, headers, raw = raw_post(gateway, MESSAGES, body, attack)
    assert code == 403 and headers["content-type"].startswith("application/json")
    assert "attacker.example" in anthropic_error(code, raw, "permission_error")
    # Host fixed: the Origin is still refused.
    code, _, raw = raw_post(gateway, MESSAGES, body, {**attack, "host": "127.0.0.1:8787"})
    assert code == 403
    assert "allowed_origins" in anthropic_error(code, raw, "permission_error")
    # Origin gone: a CORS-simple content type is refused.
    no_origin = {"content-type": "text/plain", "host": "localhost"}
    code, _, raw = raw_post(gateway, MESSAGES, body, no_origin)
    assert code == 415
    assert "application/json" in anthropic_error(code, raw, "invalid_request_error")
    assert_untouched(gateway, fake_anthropic, fake_openai)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; b=x"],
)
def test_post_bodies_must_be_json(
    gateway: RunningGateway,
    fake_anthropic: FakeAnthropic,
    fake_openai: FakeOpenAI,
    content_type: str | None,
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    code, _, raw = raw_post(gateway, CHAT, json.dumps(GPT).encode(), headers)
    assert code == 415
    message = openai_error(raw)["message"]
    assert ("none was sent" if content_type is None else repr(content_type)) in message
    code, _, raw = raw_post(gateway, MESSAGES + "/count_tokens", b"{}", headers)
    assert code == 415
    assert_untouched(gateway, fake_anthropic, fake_openai)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_content_types_are_served(gateway: RunningGateway, content_type: str) -> None:
    code, _, raw = raw_post(
        gateway, MESSAGES, json.dumps(CLAUDE).encode(), {"content-type": content_type}
    )
    assert code == 200, raw


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8787", "127.1.2.3:99", "localhost", "LOCALHOST:1", "[::1]:80"]
)
def test_loopback_hosts_are_served(gateway: RunningGateway, host: str) -> None:
    code, _, raw = raw_post(
        gateway, MESSAGES, json.dumps(CLAUDE).encode(), {**JSON_HEADERS, "host": host}
    )
    assert code == 200, raw


@pytest.mark.parametrize(
    "host", ["attacker.example", "127.0.0.1.attacker.example:80", "10.0.0.5", "[::2]:80"]
)
def test_foreign_hosts_are_refused_on_every_path(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, host: str
) -> None:
    code, _, raw = raw_post(gateway, CHAT, json.dumps(GPT).encode(), {**JSON_HEADERS, "host": host})
    assert code == 403
    assert "allowed_hosts" in openai_error(raw)["message"]
    url = urlsplit(gateway.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    conn.request("GET", "/v1/models", headers={"host": host})
    assert conn.getresponse().status == 403
    conn.close()
    assert_untouched(gateway, fake_anthropic)


def test_configured_hosts_and_origins_are_served(
    fake_anthropic: FakeAnthropic, config_text: str
) -> None:
    allow = '[server]\nallowed_hosts = ["gw.internal"]\nallowed_origins = ["https://app.example/"]'
    with running_gateway(config_text.replace("[server]", allow)) as gw:
        body = json.dumps(CLAUDE).encode()
        ok = {**JSON_HEADERS, "host": "GW.internal:8787", "origin": "https://app.example"}
        code, _, raw = raw_post(gw, MESSAGES, body, ok)
        assert code == 200, raw
        code, _, _ = raw_post(gw, MESSAGES, body, {**ok, "origin": "https://other.example"})
        assert code == 403
        code, _, _ = raw_post(gw, MESSAGES, body, {**ok, "host": "other.internal"})
        assert code == 403
    assert len(fake_anthropic.requests) == 1


def test_unknown_server_keys_stay_errors(config_text: str) -> None:
    from fulcrum.errors import ConfigError  # noqa: PLC0415
    from fulcrum.gateway.config import load_config  # noqa: PLC0415

    with pytest.raises(
        ConfigError,
        match=r"server\.allowed_host: unknown key `allowed_host`; did you mean `allowed_hosts`",
    ):
        load_config(text=config_text.replace("[server]", '[server]\nallowed_host = ["x"]'))
    with pytest.raises(ConfigError, match=r"server\.allowed_origins: expected a list"):
        load_config(text=config_text.replace("[server]", '[server]\nallowed_origins = "x"'))


# --- requests that used to be 500s ---------------------------------------------------------


def test_lone_surrogate_is_400_before_anything_is_sent(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    # "to-openai" is translated Anthropic → OpenAI: where the UnicodeEncodeError was.
    body = (
        b'{"model": "to-openai", "max_tokens": 10,'
        b' "messages": [{"role": "user", "content": "a\\ud83d"}]}'
    )
    code, _, raw = post_json(gateway, MESSAGES, body)
    assert code == 400
    assert "lone UTF-16 surrogate (\\ud83d)" in anthropic_error(code, raw, "invalid_request_error")
    chat = b'{"model": "to-claude", "messages": [{"role": "user", "content": "\\udc00 x"}]}'
    code, _, raw = post_json(gateway, CHAT, chat)
    assert code == 400 and "surrogate" in openai_error(raw)["message"]
    # A proper pair (an emoji) is text and is served.
    pair = body.replace(b"\\ud83d", b"\\ud83d\\ude00")
    code, _, raw = post_json(gateway, MESSAGES, pair)
    assert code == 200, raw
    assert fake_openai.requests[0].body["messages"][0]["content"] == "a\U0001f600"
    assert len(fake_openai.requests) == 1 and fake_anthropic.requests == []
    gateway.stop()
    assert len(open_store(None).rows()) == 1  # only the valid one


@pytest.mark.parametrize(
    "model", ["claude-x\r\nx-evil: 1", "claude-x\n", "claude-\x00x", "claude-\x7f"]
)
def test_model_with_control_characters_is_400(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    glob = '"claude-*" = "claude/claude-sonnet-4-6"'
    text = gateway_config(fake_anthropic.url, fake_openai.url, aliases_extra=glob)
    with running_gateway(text) as gw:
        code, _, raw = post_json(gw, MESSAGES, {**CLAUDE, "model": model})
        assert code == 400
        message = anthropic_error(code, raw, "invalid_request_error")
        assert message.startswith("model: expected a name without control characters")
        code, _, raw = post_json(gw, CHAT, {**GPT, "model": model})
        assert code == 400 and openai_error(raw)["param"] == "model"
        code, _, raw = post_json(gw, MESSAGES, {**CLAUDE, "model": "claude-x"})
        assert code == 200, raw  # the glob still serves a clean name
        gw.stop()
    assert len(fake_anthropic.requests) == 1 and fake_openai.requests == []
    assert len(open_store(None).rows()) == 1  # only the clean name


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": b"\xff\xfe\xfd"},
        {"x-api-key": "ключ".encode()},
        {"authorization": b"Bearer \xe9t\xe9"},
        {"authorization": "Bearer ключ".encode()},
    ],
)
def test_non_ascii_client_keys_are_401(
    config_text: str,
    fake_anthropic: FakeAnthropic,
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, bytes],
) -> None:
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alpha-key")
    with running_gateway(config_text) as gw:
        body = json.dumps(CLAUDE).encode()
        code, _, raw = raw_post(gw, MESSAGES, body, {**JSON_HEADERS, **headers})
        assert code == 401
        assert "client key" in anthropic_error(code, raw, "authentication_error")
        code, _, raw = raw_post(gw, CHAT, json.dumps(GPT).encode(), {**JSON_HEADERS, **headers})
        assert code == 401 and openai_error(raw)["code"] == "invalid_api_key"
        assert_untouched(gw, fake_anthropic)


# --- a backend refusing the gateway's own key ---------------------------------------------


@pytest.fixture
def keyed_fakes() -> Iterator[tuple[FakeAnthropic, FakeOpenAI]]:
    with FakeAnthropic(api_key="right-a") as a, FakeOpenAI(api_key="right-o") as o:
        yield a, o


def _keyed_config(a: FakeAnthropic, o: FakeOpenAI) -> str:
    text = gateway_config(a.url, o.url)
    text = text.replace(
        'provider = "anthropic"', 'provider = "anthropic"\napi_key_env = "GW_A_KEY"'
    )
    return text.replace('provider = "openai"', 'provider = "openai"\napi_key_env = "GW_O_KEY"')


@pytest.mark.parametrize("path", [MESSAGES, CHAT])
def test_a_refused_gateway_key_is_a_403_naming_backend_and_env_var(
    keyed_fakes: tuple[FakeAnthropic, FakeOpenAI],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    a, o = keyed_fakes
    monkeypatch.setenv("GW_A_KEY", "wrong-secret-a")
    monkeypatch.setenv("GW_O_KEY", "wrong-secret-o")
    body = CLAUDE if path == MESSAGES else {**GPT, "model": "to-claude"}
    with running_gateway(_keyed_config(a, o)) as gw:
        for stream in (False, True):
            code, headers, raw = post_json(gw, path, {**body, "stream": stream})
            assert code == 403, raw
            assert "retry-after" not in headers
            if path == MESSAGES:
                message = anthropic_error(code, raw, "permission_error")
            else:
                error = openai_error(raw)
                assert error["code"] == "backend_key_refused"
                message = error["message"]
            assert "claude: HTTP 401 (gateway key refused)" in message
            assert "$GW_A_KEY" in message
            assert "wrong-secret" not in message
    # one attempt per request: a refused key is not retried on the same backend
    assert len(a.requests) == 2


def test_a_refused_key_fails_over_to_the_next_backend(
    keyed_fakes: tuple[FakeAnthropic, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, o = keyed_fakes
    monkeypatch.setenv("GW_A_KEY", "wrong-secret-a")
    monkeypatch.setenv("GW_O_KEY", "right-o")
    text = gateway_config(a.url, o.url, routes_extra='fallbacks = ["gpt/gpt-4o-mini"]')
    text = text.replace(
        'provider = "anthropic"', 'provider = "anthropic"\napi_key_env = "GW_A_KEY"'
    )
    text = text.replace('provider = "openai"', 'provider = "openai"\napi_key_env = "GW_O_KEY"')
    with running_gateway(text) as gw:
        code, headers, raw = post_json(gw, MESSAGES, CLAUDE)
        assert code == 200, raw
        assert headers["x-fulcrum-backend"] == "gpt"
