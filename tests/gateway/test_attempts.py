"""The ledger records failures: every attempt, failover, failed chains, in-stream errors and
abandoned streams, on real loopback upstreams and a real SQLite ledger."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request

import pytest

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Reply
from fulcrum.ledger import LedgerRow, open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import HI, gateway_config, post_json, sse_events

FALLBACK = 'fallbacks = ["gpt/gpt-4o-mini"]'


def _rows() -> list[LedgerRow]:
    return open_store(None).rows()


def _failures(gw: RunningGateway, calls: int) -> dict[str, float]:
    """``fulcrum_upstream_failures_total`` by backend, once ``calls`` calls are metered (the
    meter works in deferred batches, off the request path)."""
    deadline = time.monotonic() + 5
    while True:
        with urllib.request.urlopen(gw.url + "/metrics") as resp:
            text = resp.read().decode()
        served = re.findall(r"fulcrum_requests_total\{[^}]*\} ([\d.]+)", text)
        if sum(float(n) for n in served) >= calls or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    found = re.findall(r'fulcrum_upstream_failures_total\{backend="(\w+)"\} ([\d.]+)', text)
    return {backend: float(n) for backend, n in found}


def test_a_failover_row_shows_every_attempt_and_says_it_failed_over(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.push(Fail(503), Fail(529))
    fake_openai.push(Reply("from the fallback"))
    text = gateway_config(fake_anthropic.url, fake_openai.url, routes_extra=FALLBACK)
    body = {"model": "claude-sonnet-4-6", "max_tokens": 9, "messages": HI}
    with running_gateway(text) as gw:
        status, _, _ = post_json(gw, "/v1/messages", body)
        fake_anthropic.push(Reply("straight"))
        assert post_json(gw, "/v1/messages", body)[0] == 200
        failures = _failures(gw, calls=2)
        gw.stop()
    assert status == 200
    failed_over, straight = _rows()
    assert (failed_over.backend, failed_over.status) == ("gpt", 200)
    assert straight.route_reason is not None
    assert failed_over.route_reason == f"{straight.route_reason}→failover"
    tried = [(a.backend, a.model, a.status, a.reason) for a in failed_over.attempts]
    assert tried == [
        ("claude", "claude-sonnet-4-6", 503, "HTTP 503"),
        ("claude", "claude-sonnet-4-6", 529, "HTTP 529"),
        ("gpt", "gpt-4o-mini", 200, None),
    ]
    starts = [a.start_ms for a in failed_over.attempts]
    assert starts == sorted(starts) and all(a.duration_ms >= 0 for a in failed_over.attempts)
    assert failed_over.attempts[-1].start_ms < (failed_over.duration_ms or 0)
    assert [(a.backend, a.status) for a in straight.attempts] == [("claude", 200)]
    assert failures == {"claude": 2.0}


def test_a_chain_that_fails_whole_counts_every_failure(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.push(Fail(500), times=2)
    fake_openai.push(Fail(502), times=2)
    text = gateway_config(fake_anthropic.url, fake_openai.url, routes_extra=FALLBACK)
    body = {"model": "claude-sonnet-4-6", "max_tokens": 9, "messages": HI}
    with running_gateway(text) as gw:
        status, _, raw = post_json(gw, "/v1/messages", body)
        failures = _failures(gw, calls=1)
        gw.stop()
    assert status == 502 and b"claude: HTTP 500" in raw and b"gpt: HTTP 502" in raw
    assert failures == {"claude": 2.0, "gpt": 2.0}
    (row,) = _rows()
    assert row.status == 502 and (row.route_reason or "").endswith("→failover")
    assert [(a.backend, a.status) for a in row.attempts] == [
        ("claude", 500),
        ("claude", 500),
        ("gpt", 502),
        ("gpt", 502),
    ]
    assert all(a.failed for a in row.attempts)


@pytest.mark.parametrize(
    ("path", "model", "expected"),
    [
        ("/v1/messages", "claude-sonnet-4-6", "overloaded_error"),  # passed through
        ("/v1/chat/completions", "gpt-4o-mini", "server_error"),  # passed through
        ("/v1/chat/completions", "to-claude", "overloaded_error"),  # translated
        ("/v1/messages", "to-openai", "server_error"),  # translated
    ],
)
def test_an_upstream_error_event_is_recorded_as_a_failure(
    fake_anthropic: FakeAnthropic,
    fake_openai: FakeOpenAI,
    path: str,
    model: str,
    expected: str,
) -> None:
    for fake in (fake_anthropic, fake_openai):
        fake.push(Reply("one two three four five six", error_after=4, input_tokens=77))
    text = gateway_config(fake_anthropic.url, fake_openai.url)
    body = {"model": model, "max_tokens": 99, "messages": HI, "stream": True}
    with running_gateway(text) as gw:
        events = sse_events(gw, path, body)
        gw.stop()
    errors = [data for name, data in events if name == "error" or '"error"' in data[:10]]
    assert len(errors) == 1, events  # the upstream's error, once: not a second one of ours
    (row,) = _rows()
    assert row.status == 502
    assert row.error is not None and row.error.startswith("upstream error mid-stream")
    assert expected in row.error
    if "claude" in model:  # Anthropic's message_start carried the prompt's usage
        assert row.input_tokens == 77


def _abandon(gw: RunningGateway, path: str, body: dict[str, object]) -> None:
    """Read until the first text arrives, then hang up."""
    host, port = gw.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        data = json.dumps(body).encode()
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        sock.sendall(head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        seen = b""
        while b"slow" not in seen:
            chunk = sock.recv(4096)
            assert chunk, "the stream ended before any text"
            seen += chunk


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
def test_an_abandoned_stream_keeps_the_usage_seen(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, path: str
) -> None:
    fake_anthropic.push(Reply(" ".join(["slow"] * 60), chunk_delay=0.02, input_tokens=1234))
    text = gateway_config(fake_anthropic.url, fake_openai.url)
    body = {"model": "to-claude", "max_tokens": 99, "messages": HI, "stream": True}
    with running_gateway(text) as gw:
        _abandon(gw, path, body)
        gw.stop()  # drains the handler, which finds the client gone at its next write
    (row,) = _rows()
    assert row.status == 499
    assert row.input_tokens == 1234  # the upstream processed the prompt: it is billed
    assert row.output_tokens >= 1
    assert [(a.backend, a.status) for a in row.attempts] == [("claude", 200)]


@pytest.mark.parametrize(
    ("path", "stream"),
    [("/v1/messages", True), ("/v1/chat/completions", True), ("/v1/messages", False)],
)
def test_a_client_gone_before_the_first_byte_still_bills_the_prompt(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, path: str, stream: bool
) -> None:
    """The client hangs up while the upstream thinks: the upstream's answer (or its first
    chunk) arrives after, and its usage is recorded, not 0 tokens."""
    fake_anthropic.push(Reply("a b c d", first_byte_delay=0.4, input_tokens=1234))
    text = gateway_config(fake_anthropic.url, fake_openai.url, first_byte=2, total=5)
    body = {"model": "to-claude", "max_tokens": 99, "messages": HI, "stream": stream}
    with running_gateway(text) as gw:
        host, port = gw.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            data = json.dumps(body).encode()
            head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            sock.sendall(head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            time.sleep(0.1)  # the request is upstream; the socket closes here
        deadline = time.monotonic() + 5
        while not fake_anthropic.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.6)  # the upstream answers; the gateway finds the client gone
        gw.stop()
    (row,) = _rows()
    assert row.status == 499 and row.error is not None and "client closed" in row.error
    assert row.input_tokens == 1234
