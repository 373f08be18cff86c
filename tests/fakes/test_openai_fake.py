"""The fake OpenAI upstream, driven by the official ``openai`` SDK."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from fulcrum.fakes import Fail, FakeOpenAI, Hang, Reply, ToolCall
from fulcrum.wire import openai_stream_usage

MSG: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
TOOLS: list[ChatCompletionToolParam] = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    for name in ("get_weather", "f")
]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    fake.script.clear()
    fake.requests.clear()
    with openai.OpenAI(base_url=fake.url + "/v1", api_key="sk-test", max_retries=0) as c:
        yield c


def test_json_reply_with_usage_and_headers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(Reply("Hello", input_tokens=50, cache_read_tokens=30, output_tokens=4))
    raw = client.chat.completions.with_raw_response.create(model="gpt-x", messages=MSG)
    completion = raw.parse()
    assert raw.headers["x-request-id"].startswith("req_")
    assert completion.id.startswith("chatcmpl-") and completion.object == "chat.completion"
    assert completion.model == "gpt-x"
    assert completion.choices[0].message.content == "Hello"
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == (80, 4)
    assert usage.total_tokens == 84
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 30
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-test"


def test_stream_with_include_usage(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(Reply("a b c", output_tokens=3))
    stream = client.chat.completions.create(
        model="gpt-x",
        messages=MSG,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "a b c"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    usage = openai_stream_usage([c.model_dump() for c in chunks])
    assert usage is not None and usage.output_tokens == 3


def test_stream_without_include_usage_has_no_usage(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="gpt-x", messages=MSG, stream=True)
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)
    assert b'"usage"' not in b"".join(r.raw for r in fake.requests)  # request had no usage opt-in


def test_streamed_tool_call_then_answer(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(ToolCall("get_weather", {"city": "Paris"}, then="It is {result}."))
    chunks = list(
        client.chat.completions.create(model="gpt-x", messages=MSG, stream=True, tools=TOOLS)
    )
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert calls[0].id is not None and calls[0].id.startswith("call_")
    assert calls[0].function is not None and calls[0].function.name == "get_weather"
    args = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(args) == {"city": "Paris"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    follow_up: list[ChatCompletionMessageParam] = [
        *MSG,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": calls[0].id,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": args},
                }
            ],
        },
        {"role": "tool", "tool_call_id": calls[0].id, "content": "sunny"},
    ]
    answer = client.chat.completions.create(model="gpt-x", messages=follow_up)
    assert answer.choices[0].message.content == "It is sunny."


def test_json_tool_call(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(ToolCall("f", {"x": 1}))
    no_tools = client.chat.completions.create(model="gpt-x", messages=MSG)
    assert no_tools.choices[0].message.tool_calls is None  # undeclared: the entry waits
    completion = client.chat.completions.create(model="gpt-x", messages=MSG, tools=TOOLS)
    calls = completion.choices[0].message.tool_calls or []
    call = calls[0]
    assert call.type == "function" and json.loads(call.function.arguments) == {"x": 1}
    assert completion.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("entry", "error_class"),
    [
        (Fail(429, retry_after=2), openai.RateLimitError),
        (Fail(500), openai.InternalServerError),
        (Fail(503), openai.InternalServerError),
        (Fail(401), openai.AuthenticationError),
    ],
)
def test_errors_raise_the_sdk_classes(
    fake: FakeOpenAI, client: openai.OpenAI, entry: Fail, error_class: type[openai.APIStatusError]
) -> None:
    fake.push(entry)
    with pytest.raises(error_class) as info:
        client.chat.completions.create(model="gpt-x", messages=MSG)
    assert info.value.status_code == entry.status
    assert isinstance(info.value.body, dict) and "message" in info.value.body
    assert info.value.request_id is not None
    if entry.status == 429:
        assert info.value.code == "rate_limit_exceeded"
        assert info.value.response.headers["retry-after"] == "2"


def test_bad_requests(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="messages"):
        client.chat.completions.create(model="gpt-x", messages=[])
    with pytest.raises(openai.BadRequestError, match="model"):
        client.post("/chat/completions", body={"messages": MSG}, cast_to=object)


def test_hang_times_out_and_slow_chunks_are_paced(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(Hang())
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-x", messages=MSG, timeout=0.3)
    fake.push(Reply("a b c", chunk_delay=0.05))
    started = time.monotonic()
    list(client.chat.completions.create(model="gpt-x", messages=MSG, stream=True))
    assert time.monotonic() - started >= 0.2


def test_cut_json_body_is_a_connection_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(Reply("x", cut_after=0))
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-x", messages=MSG)


async def test_async_sdk_against_async_fake() -> None:
    async with FakeOpenAI(api_key="k") as fake:
        fake.push(Reply("async works"))
        async with openai.AsyncOpenAI(base_url=fake.url + "/v1", api_key="k", max_retries=0) as c:
            completion = await c.chat.completions.create(model="m", messages=MSG)
            models = await c.models.list()
            bad = openai.AsyncOpenAI(base_url=fake.url + "/v1", api_key="wrong", max_retries=0)
            with pytest.raises(openai.AuthenticationError):
                await bad.chat.completions.create(model="m", messages=MSG)
            await bad.close()
    assert completion.choices[0].message.content == "async works"
    assert next(m.id for m in models.data) == "gpt-5.1"


def test_error_chunk_mid_stream_raises_in_the_sdk(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.push(Reply("a b c", error_after=2))
    seen: list[str] = []
    with pytest.raises(openai.APIError, match="server had an error"):
        for chunk in client.chat.completions.create(model="gpt-x", messages=MSG, stream=True):
            seen.extend(c.delta.content or "" for c in chunk.choices)
    assert "".join(seen) == "a "
