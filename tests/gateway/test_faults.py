"""Upstream faults: retry, failover before the first byte, clean errors after it."""

from __future__ import annotations

import json
import socket
import time
import urllib.request

import anthropic
import openai
import pytest

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Hang, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import HI, claude_client, gateway_config, openai_client, post_json, sse_events

FALLBACK = 'fallbacks = ["gpt/gpt-4o-mini"]'


def claude(gw: RunningGateway) -> anthropic.Anthropic:
    return claude_client(gw)


def test_500_is_retried_on_the_same_backend(
    config_text: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Fail(500), Reply("recovered"))
    with running_gateway(config_text) as gw:
        msg = claude(gw).messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=HI)
    assert msg.content[0].type == "text" and msg.content[0].text == "recovered"
    assert len(fake_anthropic.requests) == 2


def test_repeated_5xx_fails_over_to_the_next_backend(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.push(Fail(503), Fail(529))
    fake_openai.push(Reply("from the fallback"))
    text = gateway_config(fake_anthropic.url, fake_openai.url, routes_extra=FALLBACK)
    with running_gateway(text) as gw:
        with claude(gw).messages.stream(
            model="claude-sonnet-4-6", max_tokens=9, messages=HI
        ) as stream:
            final = stream.get_final_message()
        gw.stop()
    assert final.content[0].type == "text" and final.content[0].text == "from the fallback"
    rows = open_store(None).rows()
    assert len(rows) == 1 and rows[0].backend == "gpt" and rows[0].status == 200


def test_429_honours_retry_after(config_text: str, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.push(Fail(429, retry_after=0.3), Reply("after the wait"))
    with running_gateway(config_text) as gw:
        start = time.perf_counter()
        msg = claude(gw).messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=HI)
        elapsed = time.perf_counter() - start
    assert msg.content[0].type == "text" and msg.content[0].text == "after the wait"
    assert elapsed >= 0.3


def test_429_beyond_the_cap_is_one_clear_rate_limit_error(
    config_text: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Fail(429, retry_after=30))
    with running_gateway(config_text) as gw, pytest.raises(anthropic.RateLimitError) as caught:
        claude(gw).messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=HI)
    assert caught.value.status_code == 429
    assert "claude: HTTP 429" in caught.value.message
    assert len(fake_anthropic.requests) == 1  # not held for 30 s


def test_hang_times_out_and_fails_over(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.push(Hang(), times=2)
    fake_openai.push(Reply("no hang here"))
    text = gateway_config(fake_anthropic.url, fake_openai.url, routes_extra=FALLBACK)
    with running_gateway(text) as gw:
        start = time.perf_counter()
        with claude(gw).messages.stream(
            model="claude-sonnet-4-6", max_tokens=9, messages=HI
        ) as stream:
            final = stream.get_final_message()
        elapsed = time.perf_counter() - start
    assert final.content[0].type == "text" and final.content[0].text == "no hang here"
    assert 0.9 <= elapsed < 5  # two first-byte timeouts of 0.5 s, then the fallback


def test_whole_chain_failing_is_one_clear_error(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.push(Fail(500), times=2)
    fake_openai.push(Fail(502), times=2)
    text = gateway_config(fake_anthropic.url, fake_openai.url, routes_extra=FALLBACK)
    with running_gateway(text) as gw:
        client = openai_client(gw)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="to-claude", messages=HI)  # type: ignore[arg-type]
        gw.stop()
    assert caught.value.status_code == 502
    message = str(caught.value)
    assert "claude: HTTP 500" in message and "gpt: HTTP 502" in message
    rows = open_store(None).rows()
    assert len(rows) == 1 and rows[0].status == 502 and rows[0].error
    assert rows[0].backend == "claude"  # recorded against the route's primary


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "to-openai"])
def test_cut_mid_stream_ends_with_a_well_formed_error(
    config_text: str, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    long_text = " ".join(f"word{i}" for i in range(40))
    for fake in (fake_anthropic, fake_openai):
        fake.push(Reply(long_text, cut_after=6))
    body = {"model": model, "max_tokens": 99, "messages": HI, "stream": True}
    with running_gateway(config_text) as gw:
        events = sse_events(gw, "/v1/messages", body)
        gw.stop()
    names = [name for name, _ in events]
    assert names[0] == "message_start"
    assert names[-1] == "error" and "message_stop" not in names
    assert json.loads(events[-1][1])["error"]["type"] == "api_error"
    # translated or passed through: every opened block is closed before the error
    assert names.count("content_block_start") == names.count("content_block_stop")
    rows = open_store(None).rows()
    assert len(rows) == 1 and rows[0].status == 502 and "stream" in (rows[0].error or "")


def test_circuit_breaker_opens_and_half_opens(config_text: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Fail(500), times=3)
    with running_gateway(config_text) as gw:
        client = openai_client(gw)
        for _ in range(2):  # 2 attempts, then 1 more failure: the breaker (3 failures) opens
            with pytest.raises(openai.APIStatusError):
                client.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
        assert len(fake_openai.requests) == 3
        with urllib.request.urlopen(gw.url + "/healthz") as resp:
            assert json.loads(resp.read())["backends"]["gpt"] == "open"
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
        assert "circuit open" in str(caught.value)
        assert len(fake_openai.requests) == 3  # skipped while open
        time.sleep(0.6)  # reset_s = 0.5: one half-open probe goes through and closes it
        done = client.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
        assert done.choices[0].message.content
        with urllib.request.urlopen(gw.url + "/healthz") as resp:
            assert json.loads(resp.read())["backends"]["gpt"] == "closed"


def test_client_leaving_mid_stream_is_recorded_and_serving_goes_on(
    config_text: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Reply(" ".join(["slow"] * 50), chunk_delay=0.02))
    body = {"model": "claude-sonnet-4-6", "max_tokens": 99, "messages": HI, "stream": True}
    with running_gateway(config_text) as gw:
        host, port = gw.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            data = json.dumps(body).encode()
            head = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            head += "Content-Type: application/json\r\n"
            sock.sendall(head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            seen = b""
            while b"content_block_delta" not in seen:
                chunk = sock.recv(4096)
                assert chunk, "the stream ended before any delta"
                seen += chunk
        time.sleep(0.3)
        status, _, _ = post_json(gw, "/v1/messages", {**body, "stream": False})
        assert status == 200
        gw.stop()
    rows = open_store(None).rows()
    assert sorted(r.status for r in rows) == [200, 499]


def test_a_stalled_stream_hits_the_idle_timeout(config_text: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply("one two three four", chunk_delay=1.5))
    body = {"model": "gpt-4o-mini", "messages": HI, "stream": True}
    with running_gateway(config_text) as gw:
        start = time.perf_counter()
        events = sse_events(gw, "/v1/chat/completions", body)
        elapsed = time.perf_counter() - start
        gw.stop()
    assert elapsed < 3  # idle = 0.5 s, not the whole stream
    last = json.loads(events[-1][1])
    assert "idle timeout" in last["error"]["message"]
    assert open_store(None).rows()[0].status == 502


@pytest.mark.parametrize(("status", "kind"), [(400, "invalid_request_error"), (404, None)])
def test_upstream_client_errors_are_translated_not_retried(
    config_text: str, fake_anthropic: FakeAnthropic, status: int, kind: str | None
) -> None:
    fake_anthropic.push(Fail(status, message="the upstream says no"))
    with running_gateway(config_text) as gw:
        code, _, raw = post_json(gw, "/v1/chat/completions", {"model": "to-claude", "messages": HI})
    assert code == status
    error = json.loads(raw)["error"]  # OpenAI-shaped, from an Anthropic upstream
    assert "the upstream says no" in error["message"]
    if kind is not None:
        assert error["type"] == kind
    assert len(fake_anthropic.requests) == 1  # a client error is not retried


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("reason", ["abort", "error"])
def test_a_generation_the_server_gave_up_on_is_an_error_not_end_turn(
    config_text: str, fake_openai: FakeOpenAI, reason: str, stream: bool
) -> None:
    """vLLM ends a preempted or failed generation with finish_reason "abort" or "error":
    an Anthropic client gets an error (Messages has no stop reason for an unfinished
    answer), an OpenAI client the finish reason as the server sent it."""
    fake_openai.push(Reply("half an ans", finish_reason=reason), times=2)
    body = {"model": "to-openai", "max_tokens": 99, "messages": HI, "stream": stream}
    with running_gateway(config_text) as gw:
        if stream:
            events = sse_events(gw, "/v1/messages", body)
        else:
            code, _, raw = post_json(gw, "/v1/messages", body)
        answer = openai_client(gw).chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
        gw.stop()
    if stream:
        names = [name for name, _ in events]
        assert names[-1] == "error" and "message_stop" not in names
        assert names.count("content_block_start") == names.count("content_block_stop") == 1
        error = json.loads(events[-1][1])["error"]
    else:
        assert code == 502
        error = json.loads(raw)["error"]
    assert error["type"] == "api_error" and f"finish_reason {reason!r}" in error["message"]
    assert answer.choices[0].finish_reason == reason  # type: ignore[comparison-overlap]
    rows = sorted(open_store(None).rows(), key=lambda r: r.endpoint)
    assert [r.status for r in rows] == [200, 502]  # the chat completion, then the message
    assert f"finish_reason {reason!r}" in (rows[1].error or "")
    assert rows[1].output_tokens > 0  # what the server generated is counted all the same
