"""Clients that trickle, stall or hang up: timeouts close them, and the log stays quiet.

Raw sockets against the real gateway on loopback, with 1 s header and body timeouts.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from fulcrum.fakes import FakeAnthropic
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from ..helpers import HI, post_json

TIMEOUTS = "[server]\nheader_timeout_s = 1\nbody_timeout_s = 1"
BODY = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}).encode()


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text.replace("[server]", TIMEOUTS)) as gw:
        yield gw


def _connect(gw: RunningGateway) -> socket.socket:
    url = urlsplit(gw.url)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 0), timeout=10)
    sock.settimeout(0.2)
    return sock


def _trickle_until_closed(sock: socket.socket, piece: bytes, limit_s: float) -> tuple[float, bytes]:
    """Send ``piece`` every 0.2 s until the server closes; (seconds taken, bytes received)."""
    start = time.perf_counter()
    got = b""
    while time.perf_counter() - start < limit_s:
        try:
            sock.sendall(piece)
        except OSError:  # reset by the server: closed
            break
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        if not data:
            break
        got += data
    return time.perf_counter() - start, got


def test_trickled_headers_are_cut_off(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    with _connect(gateway) as sock:
        sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        took, got = _trickle_until_closed(sock, b"X-Slow: 1\r\n", limit_s=8)
    assert took < 3.5, f"still open after {took:.1f} s"  # header timeout 1 s
    assert got == b""
    assert fake_anthropic.requests == []


def test_an_idle_connection_is_closed(gateway: RunningGateway) -> None:
    with _connect(gateway) as sock:
        took, got = _trickle_until_closed(sock, b"", limit_s=8)
    assert took < 3.5 and got == b""


def test_a_trickled_body_gets_408_and_the_connection_closes(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    head = (
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
    )
    with _connect(gateway) as sock:
        sock.sendall(head + BODY[:5])
        took, got = _trickle_until_closed(sock, b" ", limit_s=10)
    assert took < 5, f"still open after {took:.1f} s"  # 1 s body timeout + 2 s lingering
    status_line, _, rest = got.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout"
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"Content-Type: application/json" in headers
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert "not received within 1 s" in error["message"]
    gateway.stop()
    assert fake_anthropic.requests == [] and open_store(None).rows() == []


def test_a_client_hanging_up_mid_body_is_one_info_line(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    head = (
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    for _ in range(3):
        with _connect(gateway) as sock:
            sock.sendall(head + BODY[:10])
            time.sleep(0.1)
    time.sleep(0.3)
    code, _, raw = post_json(gateway, "/v1/messages", json.loads(BODY))
    assert code == 200, raw  # still serving
    gateway.stop()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == [], [r.getMessage() for r in loud]
    assert all(r.exc_info is None for r in caplog.records)
    hung_up = [r for r in caplog.records if "hung up" in r.getMessage()]
    assert len(hung_up) == 3 and {r.levelno for r in hung_up} == {logging.INFO}
    assert len(fake_anthropic.requests) == 1 and len(open_store(None).rows()) == 1


def test_timeouts_are_validated(config_text: str) -> None:
    from fulcrum.errors import ConfigError  # noqa: PLC0415
    from fulcrum.gateway.config import load_config  # noqa: PLC0415

    cfg = load_config(text=config_text.replace("[server]", TIMEOUTS))
    assert (cfg.server.header_timeout_s, cfg.server.body_timeout_s) == (1.0, 1.0)
    default = load_config(text=config_text)
    assert (default.server.header_timeout_s, default.server.body_timeout_s) == (30.0, 60.0)
    with pytest.raises(ConfigError, match=r"server\.body_timeout_s: expected a number >= 0\.1"):
        load_config(text=config_text.replace("[server]", "[server]\nbody_timeout_s = 0"))


def test_a_keep_alive_connection_is_closed_a_header_timeout_after_its_last_answer(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    """Requests every 0.6 s keep one connection open past its first 1 s deadline (the timer
    set for it finds the deadline moved and waits on); idle, it closes about 1 s after the
    last answer."""
    request = (
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    )
    with _connect(gateway) as sock:
        sock.settimeout(5)
        for _ in range(4):
            sock.sendall(request)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
            time.sleep(0.6)
        last = time.perf_counter() - 0.6
        assert sock.recv(65536) == b""  # closed by the server, not before its idle timeout
        idle = time.perf_counter() - last
    assert 0.9 <= idle < 3.0, f"closed {idle:.2f} s after the last answer"
    assert len(fake_anthropic.requests) == 4
