"""The fake Anthropic upstream, driven by the official ``anthropic`` SDK."""

from __future__ import annotations

import time
from collections.abc import Iterator

import aiohttp
import anthropic
import pytest
from anthropic.types import MessageParam, ToolParam, ToolResultBlockParam

from fulcrum.fakes import Fail, FakeAnthropic, Hang, Reply, ToolCall
from fulcrum.wire import SSEDecoder, check_anthropic_stream


def tool_result(call_id: str, text: str) -> ToolResultBlockParam:
    return {"type": "tool_result", "tool_use_id": call_id, "content": text}


MSG: list[MessageParam] = [{"role": "user", "content": "hi"}]
TOOLS: list[ToolParam] = [
    {"name": name, "input_schema": {"type": "object"}} for name in ("Bash", "Read")
]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def client(fake: FakeAnthropic) -> Iterator[anthropic.Anthropic]:
    fake.script.clear()
    fake.requests.clear()
    with anthropic.Anthropic(base_url=fake.url, api_key="sk-test", max_retries=0) as c:
        yield c


def test_json_reply_with_usage_and_request_log(
    fake: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    fake.push(Reply("Hi there", input_tokens=42, cache_read_tokens=7, output_tokens=3))
    raw = client.messages.with_raw_response.create(model="claude-x", max_tokens=10, messages=MSG)
    message = raw.parse()
    assert raw.headers["request-id"].startswith("req_")
    assert message.id.startswith("msg_") and message.model == "claude-x"
    assert message.content[0].type == "text" and message.content[0].text == "Hi there"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (42, 3)
    assert message.usage.cache_read_input_tokens == 7
    logged = fake.requests[-1]
    assert logged.path == "/v1/messages" and logged.body["max_tokens"] == 10
    key = logged.headers.get("x-api-key") or logged.headers["authorization"].removeprefix("Bearer ")
    assert key == "sk-test" and "anthropic-version" in logged.headers


def test_stream_with_thinking_is_well_formed(
    fake: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    fake.push(Reply("one two three", thinking="let me think"))
    with client.messages.stream(model="claude-x", max_tokens=10, messages=MSG) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(texts) == "one two three" and len(texts) == 3
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].type == "thinking" and final.content[0].signature == "sig"
    assert final.usage.output_tokens > 0 and final.usage.input_tokens > 0


def test_tool_call_then_answer_with_result(
    fake: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    fake.push(ToolCall("Bash", {"command": "echo hi"}, then="Output was: {result}"))
    with client.messages.stream(
        model="claude-x", max_tokens=10, messages=MSG, tools=TOOLS
    ) as stream:
        first = stream.get_final_message()
    assert first.stop_reason == "tool_use"
    call = first.content[0]
    assert call.type == "tool_use" and call.name == "Bash" and call.input == {"command": "echo hi"}
    assert call.id.startswith("toolu_")
    follow_up: list[MessageParam] = [
        *MSG,
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [tool_result(call.id, "hi")]},
    ]
    second = client.messages.create(
        model="claude-x", max_tokens=10, messages=follow_up, tools=TOOLS
    )
    assert second.content[0].type == "text" and second.content[0].text == "Output was: hi"
    assert len(fake.script) == 0


def test_tool_less_background_requests_pass_tool_call_and_answer_by(
    fake: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    fake.default = Reply("default")
    fake.push(ToolCall("Read", {"path": "x"}, then="done", call_id="toolu_fixed"))
    quota = client.messages.create(model="claude-haiku", max_tokens=1, messages=MSG)
    assert quota.content[0].type == "text" and quota.content[0].text == "default"
    call = client.messages.create(model="claude-x", max_tokens=10, messages=MSG, tools=TOOLS)
    assert call.content[0].type == "tool_use" and call.content[0].id == "toolu_fixed"
    title = client.messages.create(model="claude-haiku", max_tokens=10, messages=MSG)
    assert title.content[0].type == "text" and title.content[0].text == "default"
    result: list[ToolResultBlockParam] = [
        {"type": "tool_result", "tool_use_id": "toolu_fixed", "content": "ok"}
    ]
    answer = client.messages.create(
        model="claude-x", max_tokens=10, messages=[*MSG, {"role": "user", "content": result}]
    )
    assert answer.content[0].type == "text" and answer.content[0].text == "done"
    fake.default = Reply()


@pytest.mark.parametrize(
    ("entry", "error_class", "error_type"),
    [
        (Fail(429, retry_after=3), anthropic.RateLimitError, "rate_limit_error"),
        (Fail(500), anthropic.InternalServerError, "api_error"),
        (Fail(529), anthropic.OverloadedError, "overloaded_error"),
        (Fail(503), anthropic.ServiceUnavailableError, "api_error"),
    ],
)
def test_errors_raise_the_sdk_classes(
    fake: FakeAnthropic,
    client: anthropic.Anthropic,
    entry: Fail,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    fake.push(entry)
    with pytest.raises(error_class) as info:
        client.messages.create(model="claude-x", max_tokens=10, messages=MSG)
    assert info.value.status_code == entry.status
    assert info.value.body["error"]["type"] == error_type  # type: ignore[index]
    assert info.value.request_id is not None and info.value.request_id.startswith("req_")
    if entry.retry_after is not None:
        assert info.value.response.headers["retry-after"] == "3"


def test_validation_errors(fake: FakeAnthropic, client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="max_tokens: Field required"):
        client.post("/v1/messages", body={"model": "m", "messages": []}, cast_to=object)


def test_sdk_retries_honour_retry_after(fake: FakeAnthropic) -> None:
    fake.script.clear()
    fake.push(Fail(429, retry_after=0.2), Reply("after retry"))
    with anthropic.Anthropic(base_url=fake.url, api_key="k", max_retries=1) as retrying:
        started = time.monotonic()
        message = retrying.messages.create(model="claude-x", max_tokens=5, messages=MSG)
    assert message.content[0].type == "text" and message.content[0].text == "after retry"
    assert time.monotonic() - started >= 0.2


def test_slow_first_byte_and_hang(fake: FakeAnthropic, client: anthropic.Anthropic) -> None:
    fake.push(Reply("slow", first_byte_delay=0.3))
    started = time.monotonic()
    client.messages.create(model="claude-x", max_tokens=5, messages=MSG)
    assert time.monotonic() - started >= 0.3
    fake.push(Hang())
    with pytest.raises(anthropic.APITimeoutError):
        client.messages.create(model="claude-x", max_tokens=5, messages=MSG, timeout=0.3)


def test_count_tokens_and_models(client: anthropic.Anthropic) -> None:
    counted = client.messages.count_tokens(model="claude-x", messages=MSG)
    assert counted.input_tokens > 0
    models = client.models.list()
    assert next(m.id for m in models.data).startswith("claude-")


async def test_async_context_cut_mid_stream() -> None:
    async with FakeAnthropic(api_key="secret") as fake:
        fake.push(Reply("a b c d e f", cut_after=5))
        events = []
        async with aiohttp.ClientSession() as session:
            body = {"model": "m", "max_tokens": 5, "messages": MSG, "stream": True}
            headers = {"x-api-key": "secret", "anthropic-version": "2023-06-01"}
            async with session.post(f"{fake.url}/v1/messages", json=body, headers=headers) as resp:
                assert resp.status == 200
                assert resp.headers["content-type"].startswith("text/event-stream")
                decoder = SSEDecoder()
                with pytest.raises(aiohttp.ClientPayloadError):
                    async for data in resp.content.iter_any():
                        events += decoder.feed(data)
            assert len(events) == 5 and events[0].event == "message_start"
            async with session.post(f"{fake.url}/v1/messages", json=body) as denied:
                assert denied.status == 401
                assert (await denied.json())["error"]["type"] == "authentication_error"


async def test_full_stream_passes_grammar_check() -> None:
    async with FakeAnthropic() as fake, aiohttp.ClientSession() as session:
        fake.push(ToolCall("Bash", {"command": "ls"}, text="Listing."))
        body = {"model": "m", "max_tokens": 5, "messages": MSG, "stream": True, "tools": TOOLS}
        async with session.post(f"{fake.url}/v1/messages", json=body) as resp:
            decoder = SSEDecoder()
            events = decoder.feed(await resp.read())
    datas = check_anthropic_stream(events)
    assert [d["content_block"]["type"] for d in datas if d["type"] == "content_block_start"] == [
        "text",
        "tool_use",
    ]


def test_error_event_mid_stream_raises_in_the_sdk(
    fake: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    fake.push(Reply("a b c d", error_after=4))
    seen: list[str] = []
    with (
        pytest.raises(anthropic.APIStatusError, match="Overloaded"),
        client.messages.stream(model="claude-x", max_tokens=5, messages=MSG) as stream,
    ):
        seen.extend(stream.text_stream)
    assert seen == ["a "]


def test_beta_query_is_recorded_and_record_off_keeps_no_log(
    fake: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    client.messages.create(  # Claude Code's request line: POST /v1/messages?beta=true
        model="claude-x",
        max_tokens=5,
        messages=MSG,
        extra_query={"beta": "true"},
        extra_headers={"anthropic-beta": "context-management-2025-06-27"},
    )
    logged = fake.requests[-1]
    assert logged.query == {"beta": "true"}
    assert logged.headers["anthropic-beta"] == "context-management-2025-06-27"
    with FakeAnthropic(record=False) as quiet:
        quiet_client = anthropic.Anthropic(base_url=quiet.url, api_key="k", max_retries=0)
        reply = quiet_client.messages.create(model="m", max_tokens=5, messages=MSG)
        quiet_client.close()
        assert reply.content and quiet.requests == []
