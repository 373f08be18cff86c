"""HTTP-level answers: 405 with Allow, JSON for unparseable requests, ``Server: fulcrum``,
OpenAI token limits, and stream errors in words rather than exception class names."""

from __future__ import annotations

import gc
import http.client
import json
import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.gateway.inbound.frontproto import FrontProtocol
from fulcrum.ledger import open_store
from fulcrum.ledger.report import Bucket
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import HI, post_json, sse_events


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text) as gw:
        yield gw


def _request(gw: RunningGateway, method: str, path: str) -> http.client.HTTPResponse:
    url = urlsplit(gw.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    conn.request(method, path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def _raw(gw: RunningGateway, data: bytes) -> bytes:
    url = urlsplit(gw.url)
    with socket.create_connection((url.hostname or "", url.port or 0), timeout=10) as sock:
        sock.sendall(data)
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
    return got


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/messages", "POST"),
        ("PUT", "/v1/chat/completions", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_405_with_allow(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, method: str, path: str, allow: str
) -> None:
    url = urlsplit(gateway.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    conn.request(method, path, body=b"{}", headers={"content-type": "application/json"})
    resp = conn.getresponse()
    payload = json.loads(resp.read())
    conn.close()
    assert resp.status == 405
    assert resp.getheader("allow") == allow
    if path.startswith("/v1/messages"):
        assert payload["type"] == "error"
        assert payload["error"]["type"] == "invalid_request_error"
    else:
        assert payload["error"]["type"] == "invalid_request_error"
    assert f"method {method} is not allowed" in payload["error"]["message"]
    assert fake_anthropic.requests == []


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
)
def test_unparseable_requests_get_json_both_sdks_read(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, request_bytes: bytes
) -> None:
    got = _raw(gateway, request_bytes)
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400")), got
    assert b"Content-Type: application/json" in head
    assert b"Server: fulcrum\r\n" in head + b"\r\n"
    payload = json.loads(body)
    assert payload["type"] == "error"  # the Anthropic shape ...
    error = payload["error"]
    assert error["type"] == "invalid_request_error"  # ... and the OpenAI one in one body
    assert error["message"].startswith("malformed HTTP request (")
    assert "\n" not in error["message"]
    assert {"param", "code"} <= set(error)
    assert fake_anthropic.requests == []


@pytest.mark.parametrize("path", ["/healthz", "/v1/models", "/metrics", "/nothing"])
def test_the_server_header_names_only_fulcrum(gateway: RunningGateway, path: str) -> None:
    assert _request(gateway, "GET", path).getheader("server") == "fulcrum"


def test_server_header_on_proxied_answers(gateway: RunningGateway) -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}
    for stream in (False, True):
        code, headers, _ = post_json(gateway, "/v1/messages", {**body, "stream": stream})
        assert code == 200 and headers["server"] == "fulcrum"


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
@pytest.mark.parametrize("value", [0, -5])
def test_openai_token_limits_must_be_positive(
    gateway: RunningGateway, fake_openai: FakeOpenAI, field: str, value: int
) -> None:
    body = {"model": "gpt-4o-mini", "messages": HI, field: value}
    code, _, raw = post_json(gateway, "/v1/chat/completions", body)
    assert code == 400
    error = json.loads(raw)["error"]
    assert error["message"] == f"{field}: expected a positive integer, got {value}"
    assert error["param"] == field
    gateway.stop()
    assert fake_openai.requests == [] and open_store(None).rows() == []


@pytest.mark.parametrize(("path", "model"), [("/v1/messages", "claude-sonnet-4-6"),
                                             ("/v1/chat/completions", "to-claude")])  # fmt: skip
def test_a_cut_stream_is_described_in_words(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, path: str, model: str
) -> None:
    fake_anthropic.push(Reply("one two three four five six", cut_after=3))
    body = {"model": model, "max_tokens": 50, "messages": HI, "stream": True}
    events = sse_events(gateway, path, body)
    message = json.loads(events[-1][1])["error"]["message"]
    assert message.startswith("claude: upstream stream"), message
    assert "Error" not in message and "Exception" not in message, message


def test_report_money_is_rounded_in_json() -> None:
    third = Decimal(1) / Decimal(3)  # 28 significant digits
    data = Bucket(key="d", calls=3, cost_usd=third, counterfactual_usd=Decimal(2) * third).as_dict()
    assert data["cost_usd"] == "0.333333"
    assert data["counterfactual_usd"] == "0.666667"
    assert Bucket(key="d", cost_usd=None).as_dict()["cost_usd"] is None
    assert Bucket(key="d", cost_usd=Decimal("12.3")).as_dict()["cost_usd"] == "12.300000"


@pytest.mark.parametrize("chat", [True, False], ids=["chat", "handed-off"])
def test_a_closed_connection_leaves_no_protocol_for_the_garbage_collector(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, chat: bool
) -> None:
    """Its parser held the protocol's callbacks: every connection closed (one per request for
    a client that does not keep them alive, a health check's) waited for a collection, with
    its buffers; so did one handed to aiohttp (not a chat request)."""
    body = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}

    def one() -> None:  # on a new connection
        if chat:
            assert post_json(gateway, "/v1/messages", body)[0] == 200
        else:
            assert _request(gateway, "GET", "/healthz").status == 200

    one()
    gc.collect()
    gc.disable()  # from here, only reference counts free a closed connection's protocol
    try:
        for _ in range(10):
            one()
        time.sleep(0.3)  # the gateway's side of the last close
        alive = [o for o in gc.get_objects() if isinstance(o, FrontProtocol)]
    finally:
        gc.enable()
    assert alive == []
