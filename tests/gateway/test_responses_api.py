"""OpenAI's Responses API on the gateway, driven by the official SDK, to both backend formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fulcrum.fakes import Fail, FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway

from .helpers import openai_client, post_json, sse_events

SCHEMA = {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}
BASH = {"type": "function", "name": "Bash", "description": "Run a command", "parameters": SCHEMA}
ROUTES = ["to-claude", "to-openai"]  # an Anthropic-format and an OpenAI-format backend


@pytest.fixture
def gateway(config_text: str) -> Iterator[RunningGateway]:
    with running_gateway(config_text) as gw:
        yield gw


def fake_for(model: str, anthropic: FakeAnthropic, openai_fake: FakeOpenAI) -> Any:
    return anthropic if model == "to-claude" else openai_fake


@pytest.mark.parametrize("model", ROUTES)
def test_a_text_answer_with_its_usage(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    fake = fake_for(model, fake_anthropic, fake_openai)
    fake.push(Reply("Hello from the backend.", input_tokens=12, output_tokens=5))
    answer = openai_client(gateway).responses.create(
        model=model, input="hi", instructions="Be brief.", max_output_tokens=64
    )
    assert answer.output_text == "Hello from the backend."
    assert answer.status == "completed" and answer.object == "response"
    assert answer.id.startswith("resp_") and answer.instructions == "Be brief."
    assert answer.usage is not None
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (12, 5)
    sent = fake.requests[0].body
    if model == "to-claude":  # the hub's shape: instructions as system, the limit as max_tokens
        assert "Be brief." in json.dumps(sent["system"])
        assert sent["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
        assert sent["max_tokens"] == 64
    else:
        assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
        assert sent["messages"][-1] == {"role": "user", "content": "hi"}
    gateway.stop()
    store = open_store(None)
    try:
        (row,) = store.rows()
    finally:
        store.close()
    assert row.endpoint == "/v1/responses" and row.status == 200
    assert (row.input_tokens, row.output_tokens) == (12, 5)


def test_a_chat_backend_gets_what_the_hub_has_no_field_for(
    gateway: RunningGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.push(Reply('{"command": "ls"}'))
    fmt = {"type": "json_schema", "name": "out", "schema": SCHEMA, "strict": True}
    openai_client(gateway).responses.create(
        model="to-openai", input="hi", top_p=0.5, user="dev-7", reasoning={"effort": "high"},
        text={"format": fmt}, tools=[{**BASH, "strict": True}],  # type: ignore[arg-type]
    )  # fmt: skip
    sent = fake_openai.requests[0].body
    assert (sent["top_p"], sent["user"], sent["reasoning_effort"]) == (0.5, "dev-7", "high")
    assert sent["response_format"]["json_schema"]["name"] == "out"
    assert sent["tools"][0]["function"]["strict"] is True


@pytest.mark.parametrize("model", ROUTES)
def test_a_stream_the_sdk_accumulates(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    """The SDK's stream helper checks every event against the ones before it."""
    fake = fake_for(model, fake_anthropic, fake_openai)
    fake.push(Reply("one two three four", input_tokens=9, output_tokens=4))
    client = openai_client(gateway)
    deltas: list[str] = []
    with client.responses.stream(model=model, input=[{"role": "user", "content": "count"}]) as s:
        for event in s:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = s.get_final_response()
    assert "".join(deltas) == "one two three four" == final.output_text
    assert len(deltas) > 1  # streamed, not sent at the end
    assert final.status == "completed" and final.usage is not None
    assert (final.usage.input_tokens, final.usage.output_tokens) == (9, 4)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("model", ROUTES)
def test_a_function_call_and_its_output_round_trip(
    gateway: RunningGateway,
    fake_anthropic: FakeAnthropic,
    fake_openai: FakeOpenAI,
    model: str,
    stream: bool,
) -> None:
    fake = fake_for(model, fake_anthropic, fake_openai)
    fake.push(ToolCall("Bash", {"command": "ls"}, then="Listed: {result}"))
    client = openai_client(gateway)
    asked: list[Any] = [{"role": "user", "content": "list the files"}]
    if stream:
        with client.responses.stream(model=model, input=asked, tools=[BASH]) as s:  # type: ignore[list-item]
            first = s.get_final_response()
    else:
        first = client.responses.create(model=model, input=asked, tools=[BASH])  # type: ignore[arg-type,list-item]
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "Bash"
    assert json.loads(calls[0].arguments) == {"command": "ls"}
    output = {"type": "function_call_output", "call_id": calls[0].call_id, "output": "a.txt"}
    done = client.responses.create(
        model=model,
        input=[*asked, calls[0].model_dump(exclude_none=True), output],  # type: ignore[list-item]
        tools=[BASH],  # type: ignore[list-item]
    )
    assert done.output_text == "Listed: a.txt"


@pytest.mark.parametrize("model", ROUTES)
def test_reasoning_comes_back_as_a_reasoning_item(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    fake_for(model, fake_anthropic, fake_openai).push(Reply("42.", thinking="six times seven"))
    answer = openai_client(gateway).responses.create(model=model, input="6*7?")
    kinds = [item.type for item in answer.output]
    assert kinds == ["reasoning", "message"] and answer.output_text == "42."
    reasoning = answer.output[0]
    assert reasoning.type == "reasoning" and reasoning.content is not None
    assert reasoning.content[0].text == "six times seven"


def test_an_answer_cut_at_its_limit_is_incomplete(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Reply("cut here", stop_reason="max_tokens"), times=2)
    client = openai_client(gateway)
    answer = client.responses.create(model="to-claude", input="go on", max_output_tokens=2)
    assert answer.status == "incomplete" and answer.incomplete_details is not None
    assert answer.incomplete_details.reason == "max_output_tokens"
    body = {"model": "to-claude", "input": "go on", "stream": True}
    events = sse_events(gateway, "/v1/responses", body)
    assert events[-1][0] == "response.incomplete"
    numbers = [json.loads(data)["sequence_number"] for _, data in events]
    assert numbers == list(range(len(events)))


def test_a_stream_cut_by_the_backend_ends_in_response_failed(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Reply("one two three four five six", error_after=4))
    events = sse_events(
        gateway, "/v1/responses", {"model": "to-claude", "input": "hi", "stream": True}
    )
    name, data = events[-1]
    failed = json.loads(data)
    assert name == "response.failed" and failed["response"]["status"] == "failed"
    assert failed["response"]["error"]["message"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"previous_response_id": "resp_123"}, "previous_response_id"),
        ({"tools": [{"type": "namespace", "name": "agents"}]}, "tools.0.tools"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input.0.type"),
        ({"temprature": 0.2}, "temprature"),
        ({"input": []}, "input"),
        ({"max_output_tokens": 0}, "max_output_tokens"),
    ],
)
def test_what_the_gateway_cannot_serve_is_a_400_naming_the_field(
    gateway: RunningGateway, extra: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client(gateway).responses.create(model="to-claude", input="hi", extra_body=extra)
    error = caught.value.body
    assert isinstance(error, dict) and error["param"] == param
    assert error["type"] == "invalid_request_error" and error["message"].startswith(param)


def test_an_unknown_field_names_the_one_meant(gateway: RunningGateway) -> None:
    status, _, raw = post_json(
        gateway, "/v1/responses", {"model": "to-claude", "input": "hi", "temprature": 1}
    )
    assert status == 400
    assert "did you mean `temperature`" in json.loads(raw)["error"]["message"]


def test_a_backend_refusal_reaches_the_client_in_openai_shape(
    gateway: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Fail(400, "prompt is too long"))
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client(gateway).responses.create(model="to-claude", input="hi")
    assert "prompt is too long" in str(caught.value)


def test_a_stored_response_is_not_found_and_says_why(gateway: RunningGateway) -> None:
    client = openai_client(gateway)
    for call in (client.responses.retrieve, client.responses.delete, client.responses.cancel):
        with pytest.raises(openai.NotFoundError) as caught:
            call("resp_abc")
        assert "the gateway keeps no responses" in str(caught.value)
    with pytest.raises(openai.NotFoundError):
        client.responses.input_items.list("resp_abc")


TEXTS = st.text(max_size=6)
PARTS = st.lists(st.fixed_dictionaries({"type": st.just("input_text"), "text": TEXTS}), max_size=2)
VALID_ITEM = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "developer", "system", "assistant"]),
                           "content": st.one_of(TEXTS, PARTS)}),
    st.fixed_dictionaries({"type": st.just("function_call"), "call_id": st.just("c1"),
                           "name": st.just("Bash"), "arguments": st.sampled_from(["{}", "x", ""])}),
    st.fixed_dictionaries({"type": st.just("function_call_output"), "call_id": st.just("c1"),
                           "output": TEXTS}),
    st.fixed_dictionaries({"type": st.just("reasoning"), "id": st.just("rs_1"),
                           "summary": st.just([])}),
)  # fmt: skip
VALID = st.fixed_dictionaries(
    {"model": st.sampled_from(["to-claude", "to-openai"]),
     "input": st.one_of(TEXTS, st.lists(VALID_ITEM, min_size=1, max_size=4))},
    optional={"tools": st.just([BASH, {"type": "web_search"}]),
              "tool_choice": st.sampled_from(["auto", "none", "required"]),
              "max_output_tokens": st.integers(1, 50), "stream": st.booleans(),
              "instructions": TEXTS, "store": st.booleans()},
)  # fmt: skip
ODD = st.dictionaries(  # anything at all, in the keys the API has
    st.sampled_from(["model", "input", "tools", "tool_choice", "stream", "max_output_tokens",
                     "previous_response_id", "instructions"]),
    st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | TEXTS,
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.sampled_from(["type", "role", "content", "name", "text",
                                                    "call_id", "output", "image_url"]),
                                   inner, max_size=4), max_leaves=12),
    max_size=6,
)  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(VALID, ODD))
def test_any_body_gets_an_answer_or_an_openai_error_never_a_5xx(
    gateway: RunningGateway, body: dict[str, Any]
) -> None:
    status, headers, raw = post_json(gateway, "/v1/responses", body)
    assert status < 500, raw[:300]
    if status >= 400:
        error = json.loads(raw)["error"]
        assert error["type"] == "invalid_request_error" and error["message"]
    elif body.get("stream"):
        assert headers["content-type"].startswith("text/event-stream")
        assert b"event: response.completed" in raw or b"event: response.incomplete" in raw
    else:
        assert json.loads(raw)["object"] == "response"
