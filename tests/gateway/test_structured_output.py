"""Structured output on translated routes: the schema a client asks for reaches the backend
in the backend's own API, and a real llama.cpp server decodes to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply
from fulcrum.testing.fakesconfig import with_responses_backend
from fulcrum.testing.gateway import RunningGateway, local_config, running_gateway
from fulcrum.testing.llama import LlamaServer
from fulcrum.wire.outputformat import JSON_OBJECT_INSTRUCTION

from .helpers import HI, claude_client, openai_client, post_json

# small enough for the tiny random model to finish inside a few dozen tokens
SCHEMA = {
    "type": "object",
    "properties": {
        "color": {"enum": ["red", "green"]},
        "n": {"type": "integer", "minimum": 0, "maximum": 9},
    },
    "required": ["color", "n"],
    "additionalProperties": False,
}
ANTHROPIC_FORMAT = {"format": {"type": "json_schema", "schema": SCHEMA}}
RESPONSES_FORMAT = {"format": {"type": "json_schema", "name": "paint", "schema": SCHEMA,
                               "strict": True}}  # fmt: skip
CHAT_FORMAT = {"type": "json_schema", "json_schema": {"name": "paint", "schema": SCHEMA}}


def decoded(text: str) -> Any:
    value = json.loads(text)
    jsonschema.validate(value, SCHEMA)
    return value


@pytest.mark.llama
def test_a_real_llama_cpp_server_decodes_to_the_schema_of_any_api(
    llama_server: LlamaServer,
) -> None:
    text = local_config(llama_server.base_url, llama_server.model, fmt="openai")
    with running_gateway(text) as gw:
        claude = claude_client(gw)
        ask: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 200, "messages": HI,
                               "output_config": ANTHROPIC_FORMAT}  # fmt: skip
        msg = claude.messages.create(**ask)
        assert msg.stop_reason == "end_turn"
        decoded("".join(b.text for b in msg.content if b.type == "text"))
        with claude.messages.stream(**ask) as s:
            decoded(s.get_final_text())
        gpt = openai_client(gw)
        answer = gpt.responses.create(model="anything", input="hi", max_output_tokens=200,
                                      text=RESPONSES_FORMAT)  # type: ignore[arg-type]  # fmt: skip
        assert answer.status == "completed"
        decoded(answer.output_text)


@pytest.fixture
def gateway(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> Iterator[RunningGateway]:
    with running_gateway(with_responses_backend(fake_anthropic.url, fake_openai.url)) as gw:
        yield gw


@pytest.mark.parametrize("stream", [False, True])
def test_each_api_s_schema_reaches_each_backend_format(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, stream: bool
) -> None:
    answer = '{"color": "red", "n": 1}'
    fake_anthropic.push(Reply(answer), Reply(answer))
    fake_openai.push(Reply(answer), Reply(answer))
    gpt, claude = openai_client(gateway), claude_client(gateway)
    chat = gpt.chat.completions.create(model="to-claude", messages=HI, stream=stream,  # type: ignore[call-overload]
                                       response_format=CHAT_FORMAT)  # fmt: skip
    list(chat) if stream else chat
    gpt.responses.create(model="to-claude", input="hi", text=RESPONSES_FORMAT, stream=stream)  # type: ignore[arg-type]
    to_messages = [r.body.get("output_config") for r in fake_anthropic.requests]
    assert to_messages == [ANTHROPIC_FORMAT, ANTHROPIC_FORMAT]
    ask: dict[str, Any] = {"max_tokens": 50, "messages": HI, "output_config": ANTHROPIC_FORMAT}
    for model in ("to-openai", "to-codex"):
        if stream:
            with claude.messages.stream(model=model, **ask) as s:
                assert decoded(s.get_final_text()) == {"color": "red", "n": 1}
        else:
            msg = claude.messages.create(model=model, **ask)
            assert decoded(msg.content[0].text) == {"color": "red", "n": 1}  # type: ignore[union-attr]
    chat_sent, responses_sent = (r.body for r in fake_openai.requests)
    assert chat_sent["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "output", "schema": SCHEMA, "strict": True}}  # fmt: skip
    assert responses_sent["text"] == {"format": {"type": "json_schema", "name": "output",
                                                 "schema": SCHEMA, "strict": True}}  # fmt: skip


def test_json_mode_is_asked_for_in_words_of_an_anthropic_backend(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    """Chat's and the Responses API's "any JSON object" have no Messages equivalent: the
    official SDK's JSON mode reaches Claude as a system block asking for one object."""
    fake_anthropic.push(Reply('{"ok": true}'), Reply('{"ok": true}'))
    gpt = openai_client(gateway)
    system = [{"role": "system", "content": "Be terse."}, *HI]
    chat = gpt.chat.completions.create(model="to-claude", messages=system,  # type: ignore[arg-type]
                                       response_format={"type": "json_object"})  # fmt: skip
    assert json.loads(chat.choices[0].message.content or "") == {"ok": True}
    gpt.responses.create(model="to-claude", input="hi", text={"format": {"type": "json_object"}})
    chat_sent, responses_sent = (r.body for r in fake_anthropic.requests)
    assert [b["text"] for b in chat_sent["system"]] == ["Be terse.", JSON_OBJECT_INSTRUCTION]
    assert [b["text"] for b in responses_sent["system"]] == [JSON_OBJECT_INSTRUCTION]
    assert "output_config" not in chat_sent and "output_config" not in responses_sent


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/messages", {"output_config": {"format": {"type": "text"}}},
         "output_config.format.type"),
        ("/v1/messages", {"output_config": {"format": {"type": "json_schema"}}},
         "output_config.format.schema"),
        ("/v1/messages", {"output_format": "json"}, "output_format"),
        ("/v1/responses", {"text": {"format": {"type": "json_schema", "schema": SCHEMA}}},
         "text.format.name"),
        ("/v1/responses", {"text": {"format": {"type": "xml"}}}, "text.format.type"),
    ],
)  # fmt: skip
def test_a_malformed_format_is_a_400_naming_the_field(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, path: str, body: dict[str, Any],
    field: str,
) -> None:  # fmt: skip
    base = ({"model": "to-claude", "max_tokens": 9, "messages": HI} if path == "/v1/messages"
            else {"model": "to-claude", "input": "hi"})  # fmt: skip
    status, _, raw = post_json(gateway, path, {**base, **body})
    assert status == 400, raw
    error = json.loads(raw)["error"]
    assert error["message"].startswith(field + ":"), error
    assert not fake_anthropic.requests  # refused before any backend
