"""API formats: the registry is the only list, and a format added there is served end to end."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from fulcrum.errors import ConfigError, NotFound
from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.gateway.answer.hubpumps import (
    AnthropicToOpenAIPump,
    ChainedPump,
    OpenAIToAnthropicPump,
)
from fulcrum.gateway.answer.responsespump import (
    AnthropicToResponsesPump,
    ResponsesPump,
    ResponsesToAnthropicPump,
)
from fulcrum.gateway.answer.streams import AnthropicPump, OpenAIPump
from fulcrum.gateway.config import load_config
from fulcrum.gateway.upstream import responsesformat
from fulcrum.gateway.upstream.formats import (
    ANTHROPIC,
    FORMATS,
    OPENAI,
    RESPONSES,
    ApiFormat,
    OpenAIFormat,
    client_format,
    guess_format,
    register,
    stream_pump,
)
from fulcrum.testing.gateway import running_gateway

from ..helpers import HI, claude_client, gateway_config, openai_client, post_json

BACKEND = """
[backends.x]
format = "{fmt}"
base_url = "http://127.0.0.1:9"
models = ["m"]
"""
COMPAT_BACKEND = """
[backends.compat]
format = "compat-test"
base_url = "{url}"
models = ["m"]
"""


class CompatFormat(OpenAIFormat):
    """A third format: OpenAI's wire with another auth header, as some providers have."""

    name = "compat-test"

    def headers(self, api_key: str | None, client: Mapping[str, str]) -> dict[str, str]:
        return {**super().headers(api_key, client), "x-compat": "yes"}


@pytest.fixture
def compat() -> Iterator[ApiFormat]:
    fmt = register(CompatFormat())
    try:
        yield fmt
    finally:
        del FORMATS[fmt.name]


def test_config_accepts_exactly_the_registered_formats(compat: ApiFormat) -> None:
    for name in FORMATS:
        config = load_config(text=BACKEND.format(fmt=name), env={})
        assert config.backends["x"].format == name
    with pytest.raises(ConfigError) as err:
        load_config(text=BACKEND.format(fmt="gemini"), env={})
    assert all(n in str(err.value) for n in FORMATS)
    assert "got 'gemini'" in str(err.value)


def test_the_registry_decides_counting_and_error_shapes(compat: ApiFormat) -> None:
    counts = {
        n: load_config(text=BACKEND.format(fmt=n), env={}).backends["x"].count_tokens
        for n in FORMATS
    }
    assert counts == {"anthropic": True, "openai": False, "responses": False, "compat-test": False}
    assert client_format("/v1/messages/count_tokens") is ANTHROPIC
    assert client_format("/v1/chat/completions") is OPENAI  # the first format with the path
    assert client_format("/v1/models") is OPENAI
    # a path every API shares: the client's own header tells (the Anthropic SDK's version)
    assert client_format("/v1/models/x", {"anthropic-version": "2023-06-01"}) is ANTHROPIC
    assert client_format("/v1/chat/completions", {"anthropic-version": "1"}) is OPENAI
    assert client_format("/v1/responses") is RESPONSES
    assert "type" in ANTHROPIC.error_body(NotFound("x")) and "type" not in OPENAI.error_body(
        NotFound("x")
    )


def test_pairs_are_composed_through_the_hub(compat: ApiFormat) -> None:
    pumps = {
        (ANTHROPIC, ANTHROPIC): AnthropicPump,
        (OPENAI, OPENAI): OpenAIPump,
        (ANTHROPIC, OPENAI): OpenAIToAnthropicPump,
        (OPENAI, ANTHROPIC): AnthropicToOpenAIPump,
        (OPENAI, compat): ChainedPump,
        (compat, compat): OpenAIPump,
        (RESPONSES, ANTHROPIC): AnthropicToResponsesPump,
        (RESPONSES, OPENAI): ChainedPump,
        (RESPONSES, RESPONSES): ResponsesPump,
        (ANTHROPIC, RESPONSES): ResponsesToAnthropicPump,
        (OPENAI, RESPONSES): ChainedPump,
    }
    for (client, upstream), cls in pumps.items():
        assert type(stream_pump(client, upstream, "m")) is cls
    same = stream_pump(ANTHROPIC, ANTHROPIC, "m")
    event = b'event: message_start\ndata: {"type":"message_start","message":{}}\n\n'
    assert same.transform(event) == event  # pass-through: byte for byte


def test_a_registered_format_is_served_without_core_changes(
    compat: ApiFormat, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    text = gateway_config(
        fake_anthropic.url, fake_openai.url, aliases_extra='"to-compat" = "compat/m"'
    )
    text += COMPAT_BACKEND.format(url=fake_openai.url)
    fake_openai.push(*(Reply(f"answer {i}", output_tokens=3) for i in range(4)))
    with running_gateway(text) as gw:
        gpt = openai_client(gw)
        answer = gpt.chat.completions.create(model="to-compat", messages=HI)
        assert answer.choices[0].message.content == "answer 0"
        chunks = gpt.chat.completions.create(model="to-compat", messages=HI, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "answer 1"
        claude = claude_client(gw)
        msg = claude.messages.create(model="to-compat", max_tokens=32, messages=HI)
        assert msg.content[0].type == "text" and msg.content[0].text == "answer 2"
        status, _, _ = post_json(gw, "/v1/chat/completions", {"model": "to-compat", "messages": HI})
        assert status == 200
    assert all(r.path == "/v1/chat/completions" for r in fake_openai.requests)
    assert all(r.headers.get("x-compat") == "yes" for r in fake_openai.requests)


def test_a_responses_body_is_converted_once_for_routing_and_the_hub(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted: list[object] = []
    convert = responsesformat.responses_to_openai_request

    def counted(body: Mapping[str, object]) -> dict[str, object]:
        converted.append(body)
        return convert(body)

    monkeypatch.setattr(responsesformat, "responses_to_openai_request", counted)
    body = {"model": "m", "input": "hello", "instructions": "be brief"}
    view = RESPONSES.routing_view(body)
    hub = RESPONSES.to_hub_request(body)
    assert converted == [body] and view["messages"][0] == {"role": "system", "content": "be brief"}
    assert hub["system"] == [{"type": "text", "text": "be brief"}]
    again = dict(body, input="another")  # another body: converted anew, never the last one's
    assert RESPONSES.to_hub_request(again)["messages"][-1]["content"][0]["text"] == "another"
    assert len(converted) == 2


TOOL = {"name": "Bash", "input_schema": {"type": "object"}}
FUNCTION = {"type": "function", "function": {"name": "Bash", "parameters": {"type": "object"}}}
PLAIN = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"model": "m", "input": "hi"}, "responses"),
        ({"model": "m", "input": [{"role": "user", "content": "hi"}], "tools": []}, "responses"),
        ({"model": "m", "system": "be brief", "messages": PLAIN}, "anthropic"),
        ({"model": "m", "messages": PLAIN, "tools": [TOOL]}, "anthropic"),
        ({"model": "m", "messages": [*PLAIN, {"role": "assistant", "content": [
            {"type": "tool_use", "id": "t", "name": "Bash", "input": {}}]}]}, "anthropic"),
        ({"model": "m", "messages": [{"role": "system", "content": "x"}, *PLAIN]}, "openai"),
        ({"model": "m", "messages": PLAIN, "tools": [FUNCTION]}, "openai"),
        ({"model": "m", "messages": [*PLAIN, {"role": "assistant", "tool_calls": []}]}, "openai"),
        ({"model": "m", "messages": PLAIN, "max_completion_tokens": 5}, "openai"),
        ({"model": "m", "messages": PLAIN}, "anthropic"),  # plain turns: the first registered
    ],
)  # fmt: skip
def test_a_body_tells_which_api_it_is_written_for(body: dict[str, Any], name: str) -> None:
    assert guess_format(body).name == name


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"error": {"message": "model overloaded", "type": "server_error"}},
         "an error in a 200 answer: model overloaded"),
        ({"id": "c", "choices": []}, "an answer without a choice"),
        ({"id": "c"}, "an answer without a choice"),
    ],
)  # fmt: skip
def test_a_chat_200_without_an_answer_is_no_answer(body: dict[str, Any], why: str) -> None:
    # the gateway makes this a 502 (answer_error), never an empty answer in another format
    with pytest.raises(ValueError, match=why):
        OPENAI.to_hub_response(body, model="m")
