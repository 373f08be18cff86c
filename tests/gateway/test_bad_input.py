"""Bad input gets a provider-shaped 4xx naming the problem, and the gateway keeps serving."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import HI, gateway_config, post_json


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text.replace("shutdown_timeout_s = 10", SMALL_LIMIT)) as gw:
        yield gw


SMALL_LIMIT = "shutdown_timeout_s = 10\nmax_body_bytes = 4096"
MESSAGES = "/v1/messages"
CHAT = "/v1/chat/completions"


def _ok_anthropic() -> dict[str, object]:
    return {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": HI}


@pytest.mark.parametrize(
    ("path", "body", "status", "needle"),
    [
        (MESSAGES, b"{not json", 400, "not valid JSON"),
        (MESSAGES, b'{"model": "m", "max_tokens": 9, "temperature": NaN, "messages": []}', 400,
         "NaN is not a JSON value"),
        (MESSAGES, b"[1, 2]", 400, "must be a JSON object, got list"),
        (MESSAGES, b"", 400, "empty"),
        (MESSAGES, b"[" * 1500 + b"]" * 1500, 400, "nested too deeply"),
        (MESSAGES, {"max_tokens": 10, "messages": HI}, 400, "model: expected a non-empty string"),
        (MESSAGES, {**_ok_anthropic(), "max_tokens": "10"}, 400, "max_tokens: expected a positive"),
        (MESSAGES, {**_ok_anthropic(), "messages": "hi"}, 400, "messages: expected a list"),
        (MESSAGES, {**_ok_anthropic(), "messages": [{"role": "bot", "content": "x"}]}, 400,
         "messages.0.role: expected one of user, assistant"),
        (MESSAGES, {**_ok_anthropic(), "stream": "yes"}, 400, "stream: expected true or false"),
        (CHAT, {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": 5}]}, 400,
         "messages.0.content: expected a string or a list"),
        (CHAT, {"model": "gpt-4o-mini", "messages": []}, 400, "at least one message"),
        (MESSAGES, {**_ok_anthropic(), "messages": [{"role": "user", "content": "x" * 5000}]},
         413, "limit is 4096 bytes"),
    ],
)  # fmt: skip
def test_bad_bodies_are_named(
    gateway: RunningGateway, path: str, body: object, status: int, needle: str
) -> None:
    code, headers, raw = post_json(gateway, path, body)
    assert code == status
    assert headers["content-type"].startswith("application/json")
    payload = json.loads(raw)
    if path == MESSAGES:
        assert payload["type"] == "error"
        expected = "request_too_large" if status == 413 else "invalid_request_error"
        assert payload["error"]["type"] == expected
    else:
        assert payload["error"]["type"] == "invalid_request_error"
    assert needle in payload["error"]["message"]
    # the gateway keeps serving
    code, _, raw = post_json(gateway, MESSAGES, _ok_anthropic())
    assert code == 200, raw


def test_refused_bodies_are_counted_in_metrics(gateway: RunningGateway) -> None:
    # a client sending broken bodies was invisible on /metrics: only valid calls were counted
    post_json(gateway, MESSAGES, b"{not json")
    post_json(gateway, MESSAGES, b"{not json")
    post_json(gateway, CHAT, {"model": "gpt-4o-mini", "messages": []})
    with urllib.request.urlopen(gateway.url + "/metrics") as resp:
        text = resp.read().decode()
    assert 'fulcrum_requests_total{backend="-",endpoint="/v1/messages",status="400"} 2.0' in text
    chat = 'fulcrum_requests_total{backend="-",endpoint="/v1/chat/completions",status="400"} 1.0'
    assert chat in text


def test_unknown_model_is_404_when_no_default_route(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    text = gateway_config(fake_anthropic.url, fake_openai.url).replace('default = "claude"', "")
    with running_gateway(text) as gw:
        code, _, raw = post_json(gw, MESSAGES, {**_ok_anthropic(), "model": "no-such-model"})
        assert code == 404
        error = json.loads(raw)["error"]
        assert error["type"] == "not_found_error"
        assert "'no-such-model' is not configured" in error["message"]
        assert "claude-sonnet-4-6" in error["message"]  # names what is accepted
        code, _, raw = post_json(gw, CHAT, {"model": "nope", "messages": HI})
        assert code == 404 and json.loads(raw)["error"]["code"] == "model_not_found"
    assert fake_anthropic.requests == [] and fake_openai.requests == []


def test_unknown_route_header_is_400(gateway: RunningGateway) -> None:
    code, _, raw = post_json(gateway, MESSAGES, _ok_anthropic(), {"x-fulcrum-route": "mars"})
    assert code == 400
    assert "X-Fulcrum-Route" in json.loads(raw)["error"]["message"]


def test_unknown_path_is_provider_shaped(gateway: RunningGateway) -> None:
    code, _, raw = post_json(gateway, "/v1/nothing", {})
    assert code == 404
    assert "no such endpoint" in json.loads(raw)["error"]["message"]


def test_client_keys_are_required_when_configured(
    config_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alpha-key, beta-key")
    with running_gateway(config_text) as gw:
        code, _, raw = post_json(gw, MESSAGES, _ok_anthropic())
        assert code == 401 and json.loads(raw)["error"]["type"] == "authentication_error"
        code, _, _ = post_json(gw, MESSAGES, _ok_anthropic(), {"x-api-key": "wrong"})
        assert code == 401
        code, _, _ = post_json(gw, MESSAGES, _ok_anthropic(), {"x-api-key": "beta-key"})
        assert code == 200
        code, _, _ = post_json(
            gw,
            CHAT,
            {"model": "gpt-4o-mini", "messages": HI},
            {"authorization": "Bearer alpha-key"},
        )
        assert code == 200


def _raw(gw: RunningGateway, path: str, headers: bytes, body: dict[str, object]) -> bytes:
    """A POST written byte by byte (headers an SDK would never send); the whole answer."""
    host, port = gw.url.removeprefix("http://").split(":")
    data = json.dumps(body).encode()
    head = f"POST {path} HTTP/1.1\r\nContent-Type: application/json\r\n".encode() + headers
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        answer = b""
        while not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.mark.parametrize("value", [b"caf\xe9", "€".encode()])
def test_a_forwarded_header_that_is_not_ascii_is_a_400_naming_it(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, value: bytes
) -> None:
    # it reached the upstream call and broke there: a 500 and a traceback in the log
    head = b"Host: 127.0.0.1\r\nanthropic-beta: " + value + b"\r\n"
    answer = _raw(gateway, MESSAGES, head, _ok_anthropic())
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    error = json.loads(answer.partition(b"\r\n\r\n")[2])["error"]
    assert error["type"] == "invalid_request_error" and "anthropic-beta" in error["message"]
    assert fake_anthropic.requests == []


def test_two_host_headers_are_a_400(gateway: RunningGateway, fake_openai: FakeOpenAI) -> None:
    # the chat front checked the first and served the request (aiohttp's paths: a 400)
    head = b"Host: 127.0.0.1\r\nHost: evil.example\r\n"
    answer = _raw(gateway, CHAT, head, {"model": "gpt-4o-mini", "messages": HI})
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"Host: one header" in answer and fake_openai.requests == []
