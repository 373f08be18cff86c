"""The HTTP/1.1 front: chat requests on the lean path, the rest handed to aiohttp, and the
HTTP details clients rely on (keep-alive, 100-continue, chunked bodies, HTTP/1.0, limits).

Raw sockets and ``http.client`` against the real gateway on loopback."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from fulcrum.fakes import FakeAnthropic
from fulcrum.gateway.inbound.frontreply import head
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import HI

BODY = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}).encode()
STREAM = json.dumps(
    {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI, "stream": True}
).encode()


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text.replace("[server]", "[server]\nmax_body_bytes = 2048")) as gw:
        yield gw


def _address(gw: RunningGateway) -> tuple[str, int]:
    url = urlsplit(gw.url)
    return url.hostname or "127.0.0.1", url.port or 0


def _exchange(gw: RunningGateway, data: bytes) -> bytes:
    """Send ``data``, then read until the gateway closes the connection."""
    with socket.create_connection(_address(gw), timeout=10) as sock:
        sock.sendall(data)
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
    return got


def _post_head(extra: bytes = b"", *, version: bytes = b"1.1", length: int = len(BODY)) -> bytes:
    return (
        b"POST /v1/messages HTTP/" + version + b"\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n" + extra
        + (b"Content-Length: %d\r\n" % length if length >= 0 else b"") + b"\r\n"
    )  # fmt: skip


def test_one_connection_serves_chat_and_every_other_endpoint(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    conn = http.client.HTTPConnection(*_address(gateway), timeout=10)
    headers = {"content-type": "application/json"}
    conn.request("POST", "/v1/messages", body=BODY, headers=headers)
    first = conn.getresponse()
    assert first.status == 200 and json.loads(first.read())["type"] == "message"
    sock = conn.sock
    for method, path in (("GET", "/v1/models"), ("GET", "/healthz")):
        conn.request(method, path)  # handed to aiohttp, on the same connection
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("server") == "fulcrum"
        resp.read()
    conn.request("POST", "/v1/messages", body=BODY, headers=headers)  # now aiohttp's
    again = conn.getresponse()
    assert again.status == 200 and json.loads(again.read())["type"] == "message"
    assert conn.sock is sock, "the connection was kept alive throughout"
    conn.close()
    gateway.stop()
    assert len(fake_anthropic.requests) == 2
    assert [r.status for r in open_store(None).rows()] == [200, 200]


def test_expect_100_continue_is_answered_before_the_body(gateway: RunningGateway) -> None:
    with socket.create_connection(_address(gateway), timeout=10) as sock:
        sock.sendall(_post_head(b"Expect: 100-continue\r\n"))
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(BODY)
        got = sock.recv(65536)
    assert got.startswith(b"HTTP/1.1 200 OK\r\n"), got


def test_a_chunked_body_is_read_whole(gateway: RunningGateway) -> None:
    half = len(BODY) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (BODY[:half], BODY[half:]))
    got = _exchange(
        gateway,
        _post_head(b"Transfer-Encoding: chunked\r\nConnection: close\r\n", length=-1)
        + chunks
        + b"0\r\n\r\n",
    )
    status, _, rest = got.partition(b"\r\n")
    assert status == b"HTTP/1.1 200 OK", got
    assert b"Connection: close" in rest
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["type"] == "message"


def test_a_chunked_body_over_the_limit_is_413(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    big = b"x" * 3000
    got = _exchange(
        gateway,
        _post_head(b"Transfer-Encoding: chunked\r\n", length=-1)
        + b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big),
    )
    status, _, rest = got.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large", got
    error = json.loads(rest.partition(b"\r\n\r\n")[2])["error"]
    assert error["message"] == "request body is over the limit of 2048 bytes"
    assert fake_anthropic.requests == []


def test_a_pipelined_request_closes_the_connection_after_the_first_answer(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    got = _exchange(gateway, (_post_head() + BODY) * 2)
    assert got.count(b"HTTP/1.1 ") == 1 and got.startswith(b"HTTP/1.1 200 OK"), got
    assert len(fake_anthropic.requests) == 1


def test_an_http10_stream_ends_with_the_connection(gateway: RunningGateway) -> None:
    got = _exchange(gateway, _post_head(version=b"1.0", length=len(STREAM)) + STREAM)
    head_bytes, _, body = got.partition(b"\r\n\r\n")
    assert head_bytes.startswith(b"HTTP/1.1 200 OK")
    assert b"Transfer-Encoding" not in head_bytes and b"Connection: close" in head_bytes
    assert body.rstrip().endswith(b'data: {"type":"message_stop"}'), body[-200:]


def test_headers_over_the_limit_are_a_json_400(gateway: RunningGateway) -> None:
    got = _exchange(gateway, _post_head(b"X-Big: " + b"a" * 70_000 + b"\r\n") + BODY)
    status, _, rest = got.partition(b"\r\n")
    assert status == b"HTTP/1.1 400 Bad Request", got[:200]
    message = json.loads(rest.partition(b"\r\n\r\n")[2])["error"]["message"]
    assert message.startswith("malformed HTTP request (request line and headers over")


def test_a_header_value_with_a_line_break_is_never_written() -> None:
    with pytest.raises(ValueError, match="line break"):
        head(200, {"x-fulcrum-model": "a\r\nSet-Cookie: x=1"}, b"", close=False)
    written = head(200, {"x-fulcrum-model": "m"}, b"Content-Length: 0\r\n", close=True)
    assert written.startswith(b"HTTP/1.1 200 OK\r\nServer: fulcrum\r\nDate: ")
    assert written.endswith(b"x-fulcrum-model: m\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
