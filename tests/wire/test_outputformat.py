"""Structured output read from each API and written into the one a request goes to."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fulcrum.wire import anthropic_to_openai_request, openai_to_anthropic_request
from fulcrum.wire.outputformat import (
    JSON_OBJECT,
    JSON_OBJECT_INSTRUCTION,
    JSON_SCHEMA,
    OutputFormat,
    anthropic_output_config,
    chat_response_format,
    read_anthropic,
    read_chat,
    read_responses,
    responses_text,
)
from fulcrum.wire.responses_api.backend import openai_to_responses_request
from fulcrum.wire.responses_api.request import responses_to_openai_request

SCHEMA = {
    "type": "object",
    "properties": {"color": {"enum": ["red", "green"]}},
    "required": ["color"],
    "additionalProperties": False,
}
HI = [{"role": "user", "content": "hi"}]
CHAT_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "paint", "schema": SCHEMA, "strict": True, "description": "one"},
}


def test_a_chat_schema_reaches_messages_and_comes_back_named() -> None:
    sent = openai_to_anthropic_request({"model": "m", "messages": HI,
                                        "response_format": CHAT_FORMAT})  # fmt: skip
    assert sent["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    back = anthropic_to_openai_request(sent)
    # Messages names no schema: the default name, strict (Anthropic always decodes to it)
    assert back["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": SCHEMA, "strict": True},
    }


def test_the_structured_outputs_beta_field_is_read_too() -> None:
    body = {"model": "m", "max_tokens": 9, "messages": HI,
            "output_format": {"type": "json_schema", "schema": SCHEMA}}  # fmt: skip
    assert anthropic_to_openai_request(body)["response_format"]["json_schema"]["schema"] == SCHEMA
    effort_only = {**body, "output_format": None, "output_config": {"effort": "high"}}
    assert "response_format" not in anthropic_to_openai_request(effort_only)


def test_any_json_object_is_asked_for_in_words_in_messages() -> None:
    body = {"model": "m", "messages": HI, "response_format": {"type": "json_object"}}
    sent = openai_to_anthropic_request(body)
    assert "output_config" not in sent
    assert sent["system"] == [{"type": "text", "text": JSON_OBJECT_INSTRUCTION}]
    with_system = {**body, "messages": [{"role": "system", "content": "Be terse."}, *HI]}
    assert [b["text"] for b in openai_to_anthropic_request(with_system)["system"]] == [
        "Be terse.", JSON_OBJECT_INSTRUCTION]  # fmt: skip
    text = {"model": "m", "messages": HI, "response_format": {"type": "text"}}
    assert {"output_config", "system"}.isdisjoint(openai_to_anthropic_request(text))
    # llama.cpp's servers read a schema beside json_object: that one is a schema
    extended = {"type": "json_object", "schema": SCHEMA}
    assert read_chat({"response_format": extended}) == OutputFormat(JSON_SCHEMA, SCHEMA)


def test_a_responses_format_becomes_chat_and_back() -> None:
    fmt = {"type": "json_schema", "name": "paint", "schema": SCHEMA, "strict": True}
    chat = responses_to_openai_request({"model": "m", "input": "hi",
                                        "text": {"format": fmt, "verbosity": "low"}})  # fmt: skip
    assert chat["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "paint", "schema": SCHEMA, "strict": True}}  # fmt: skip
    assert openai_to_responses_request(chat)["text"] == {"format": fmt}
    plain = responses_to_openai_request({"model": "m", "input": "hi",
                                         "text": {"format": {"type": "json_object"}}})  # fmt: skip
    assert plain["response_format"] == {"type": "json_object"}
    free = responses_to_openai_request({"model": "m", "input": "hi",
                                        "text": {"format": {"type": "text"}}})  # fmt: skip
    assert "response_format" not in free


def test_each_writer_gives_its_api_shape() -> None:
    fmt = read_chat({"response_format": CHAT_FORMAT})
    assert fmt == OutputFormat(JSON_SCHEMA, SCHEMA, "paint", True, "one")
    assert chat_response_format(fmt) == CHAT_FORMAT
    assert read_responses({"text": responses_text(fmt)}) == fmt
    assert read_anthropic({"output_config": anthropic_output_config(fmt)}) == OutputFormat(
        JSON_SCHEMA, SCHEMA, strict=True
    )
    assert anthropic_output_config(OutputFormat(JSON_OBJECT)) is None
    assert responses_text(OutputFormat(JSON_OBJECT)) == {"format": {"type": "json_object"}}


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELD = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["json_schema", "json_object", "text"]) | JSONISH,
    "schema": JSONISH, "name": JSONISH, "json_schema": JSONISH, "strict": JSONISH,
})  # fmt: skip


@given(fmt=FIELD | JSONISH)
def test_any_value_is_read_as_a_format_or_none(fmt: Any) -> None:
    for body in ({"response_format": fmt}, {"text": {"format": fmt}},
                 {"output_config": {"format": fmt}}, {"output_format": fmt}):  # fmt: skip
        for read in (read_chat, read_responses, read_anthropic):
            found = read(body)
            if found is None:
                continue
            assert found.kind in (JSON_SCHEMA, JSON_OBJECT)
            assert (found.schema is not None) == (found.kind == JSON_SCHEMA)
            assert chat_response_format(found)["type"] == found.kind
            assert responses_text(found)["format"]["type"] == found.kind
            assert (anthropic_output_config(found) is None) == (found.kind == JSON_OBJECT)
