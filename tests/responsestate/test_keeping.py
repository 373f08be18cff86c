"""Kept responses on the gateway, driven by the official OpenAI SDK: ``previous_response_id``
continues a conversation on either backend format, streamed or not, and only for its key."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, post_json, running_gateway

from .helpers import KEEP, MODELS, client, said

COMMAND = {"type": "object", "properties": {"command": {"type": "string"}}}
BASH = {"type": "function", "name": "Bash", "description": "Run a command", "parameters": COMMAND}


def fake_for(model: str, anthropic: FakeAnthropic, openai_fake: FakeOpenAI) -> Any:
    return anthropic if model == "to-claude" else openai_fake


def ask(sdk: openai.OpenAI, stream: bool, **kwargs: Any) -> Any:
    if not stream:
        return sdk.responses.create(**kwargs)
    with sdk.responses.stream(**kwargs) as events:
        return events.get_final_response()


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("model", MODELS)
def test_a_conversation_continues_from_a_kept_response(
    keeping: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    model: str, stream: bool,
) -> None:  # fmt: skip
    fake = fake_for(model, fake_anthropic, fake_openai)
    fake.push(Reply("Hello Ada."), Reply("Your name is Ada."))
    with client(keeping) as sdk:
        first = ask(sdk, stream, model=model, input="My name is Ada.", instructions="Be brief.")
        second = ask(sdk, stream, model=model, previous_response_id=first.id,
                     input=[{"role": "user", "content": "What is my name?"}])  # fmt: skip
        assert second.output_text == "Your name is Ada."
        kept = sdk.responses.retrieve(second.id)
        items = sdk.responses.input_items.list(second.id, order="asc")
    # the backend got the whole conversation, without the first turn's instructions
    assert said(fake.requests[1].body)[-3:] == [
        ("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", "What is my name?")
    ]  # fmt: skip
    assert "Be brief." not in json.dumps(fake.requests[1].body)
    assert "previous_response_id" not in fake.requests[1].body  # no backend knows the id
    if model != "to-codex":  # a Responses backend's answer is its own, passed through
        assert (second.previous_response_id, second.store) == (first.id, True)
    assert (kept.id, kept.previous_response_id, kept.store) == (second.id, first.id, True)
    assert kept.output_text == "Your name is Ada."
    texts = [json.dumps(item.model_dump()) for item in items.data]
    assert len(texts) == 3 and "My name is Ada." in texts[0] and "Hello Ada." in texts[1]
    assert all(item.id for item in items.data)


@pytest.mark.parametrize("model", MODELS)
def test_a_tool_result_continues_the_response_that_called_the_tool(
    keeping: RunningGateway, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str
) -> None:
    """The Agents SDK's turn: only the call's output is sent, by the calling response's id."""
    fake_for(model, fake_anthropic, fake_openai).push(
        ToolCall("Bash", {"command": "ls"}, then="Listed: {result}")
    )
    with client(keeping) as sdk:
        first = sdk.responses.create(model=model, input="list the files", tools=[BASH])  # type: ignore[list-item]
        (call,) = [item for item in first.output if item.type == "function_call"]
        done = sdk.responses.create(
            model=model, previous_response_id=first.id, tools=[BASH],  # type: ignore[list-item]
            input=[{"type": "function_call_output", "call_id": call.call_id, "output": "a.txt"}],
        )  # fmt: skip
    assert done.output_text == "Listed: a.txt"


def test_a_chain_of_three_sends_every_turn(
    keeping: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Reply("one"), Reply("two"), Reply("three"))
    previous = None
    with client(keeping) as sdk:
        for word in ("a", "b", "c"):
            answer = sdk.responses.create(model="to-claude", input=word,
                                          previous_response_id=previous)  # type: ignore[arg-type]  # fmt: skip
            previous = answer.id
    assert said(fake_anthropic.requests[2].body) == [
        ("user", "a"), ("assistant", "one"), ("user", "b"), ("assistant", "two"), ("user", "c")
    ]  # fmt: skip


def test_an_unknown_or_unkept_response_cannot_be_continued(
    keeping: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Reply("not kept"))
    with client(keeping) as sdk:
        unkept = sdk.responses.create(model="to-claude", input="hi", store=False)
        for previous in ("resp_nothing", unkept.id):
            with pytest.raises(openai.BadRequestError) as caught:
                sdk.responses.create(model="to-claude", input="and?", previous_response_id=previous)
            error = caught.value.body
            assert isinstance(error, dict)
            assert (error["code"], error["param"]) == ("previous_response_not_found",
                                                       "previous_response_id")  # fmt: skip
            assert error["message"] == f"Previous response with id '{previous}' not found."
        with pytest.raises(openai.NotFoundError):
            sdk.responses.retrieve(unkept.id)
    assert len(fake_anthropic.requests) == 1  # nothing was sent for a refused continuation


def assert_not_kept(sdk: openai.OpenAI, response_id: str) -> None:
    """Neither retrieved, deleted nor continued: 404, 404, 400."""
    for call in (sdk.responses.retrieve, sdk.responses.delete):
        with pytest.raises(openai.NotFoundError):
            call(response_id)
    with pytest.raises(openai.BadRequestError):
        sdk.responses.create(model="to-claude", input="and?", previous_response_id=response_id)


def test_a_deleted_response_is_gone(keeping: RunningGateway, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.push(Reply("kept a while"))
    with client(keeping) as sdk:
        answer = sdk.responses.create(model="to-claude", input="hi")
        assert sdk.responses.retrieve(answer.id).output_text == "kept a while"
        sdk.responses.delete(answer.id)
        assert_not_kept(sdk, answer.id)


def test_a_response_is_kept_for_its_client_key_only(
    config_text: str, fake_anthropic: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alice:key-a,bob:key-b")
    fake_anthropic.push(Reply("for alice"), Reply("alice again"))
    with running_gateway(config_text + KEEP) as gw, client(gw, "key-a") as alice, \
            client(gw, "key-b") as bob:  # fmt: skip
        answer = alice.responses.create(model="to-claude", input="hi")
        assert_not_kept(bob, answer.id)
        assert alice.responses.retrieve(answer.id).output_text == "for alice"
        again = alice.responses.create(model="to-claude", input="x", previous_response_id=answer.id)
        assert again.output_text == "alice again"


def test_input_items_page_and_check_their_query(
    keeping: RunningGateway, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.push(Reply("one"), Reply("two"))
    with client(keeping) as sdk:
        first = sdk.responses.create(model="to-claude", input="a")
        second = sdk.responses.create(model="to-claude", input="b", previous_response_id=first.id)
        newest = sdk.responses.input_items.list(second.id, limit=1)
        assert newest.has_more and len(newest.data) == 1 and "b" in json.dumps(
            newest.data[0].model_dump()
        )  # fmt: skip
        rest = sdk.responses.input_items.list(second.id, limit=5, after=newest.data[0].id)
        assert [json.loads(json.dumps(i.model_dump()))["content"][0]["text"]
                for i in rest.data] == ["one", "a"]  # fmt: skip
        assert not rest.has_more
        for query, param in (({"order": "up"}, "order"), ({"limit": 0}, "limit"),
                             ({"page": 2}, "page")):  # fmt: skip
            with pytest.raises(openai.BadRequestError) as caught:
                sdk.responses.input_items.list(second.id, extra_query=query)
            assert isinstance(caught.value.body, dict) and caught.value.body["param"] == param
        with pytest.raises(openai.BadRequestError):
            sdk.responses.cancel(second.id)  # kept, but no background response to cancel


def test_without_store_previous_response_id_says_how_to_turn_it_on(
    config_text: str, fake_anthropic: FakeAnthropic
) -> None:
    with running_gateway(config_text) as gw, client(gw) as sdk:
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.responses.create(model="to-claude", input="hi", previous_response_id="resp_1")
        assert "[responses] store = true" in str(caught.value)
        fake_anthropic.push(Reply("not kept"))
        answer = sdk.responses.create(model="to-claude", input="hi", store=True)
        assert answer.store is False  # asked, not done: the answer says so
        with pytest.raises(openai.NotFoundError) as missing:
            sdk.responses.retrieve(answer.id)
        assert "store is false" in str(missing.value)


def test_a_kept_body_records_the_conversation_it_routed(
    config_text: str, fake_anthropic: FakeAnthropic
) -> None:
    """With bodies stored, a continued request's row holds the conversation as routed and
    sent (``route replay`` reads it), not the id alone."""
    text = config_text.replace("[server]\n", "[server]\nstore_bodies = true\n") + KEEP
    fake_anthropic.push(Reply("Hello Ada."), Reply("Ada."))
    with running_gateway(text) as gw, client(gw) as sdk:
        first = sdk.responses.create(model="to-claude", input="My name is Ada.")
        sdk.responses.create(model="to-claude", input="Who am I?", previous_response_id=first.id)
    store = open_store(None)
    try:
        rows = sorted(store.rows(), key=lambda row: row.ts)
    finally:
        store.close()
    recorded = json.loads(rows[-1].request_body or "{}")
    assert "previous_response_id" not in recorded
    assert "My name is Ada." in json.dumps(recorded["input"]) and "Hello Ada." in json.dumps(
        recorded["input"]
    )  # fmt: skip


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=8),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers()),
)  # fmt: skip
TURNS = st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]),
                                        "content": st.text(max_size=8)}), max_size=2)  # fmt: skip
CASES = st.fixed_dictionaries({
    "previous": st.one_of(st.none(), st.just("KEPT"), st.text(max_size=12), JUNK),
    "store": st.one_of(st.none(), st.booleans(), JUNK),
    "input": st.one_of(st.text(max_size=8), TURNS, JUNK),
    "stream": st.booleans(),
})  # fmt: skip


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=CASES)
def test_any_continuation_gets_an_answer_or_an_openai_error_never_a_5xx(
    keeping: RunningGateway, fake_openai: FakeOpenAI, case: dict[str, Any]
) -> None:
    """Odd ids, store flags and inputs on a keeping gateway: a kept id continues its
    conversation, anything else is OpenAI's 400 naming the field; never a 5xx."""
    with client(keeping) as sdk:
        kept = sdk.responses.create(model="to-openai", input="the kept turn")
    body: dict[str, Any] = {"model": "to-openai", "input": case["input"], "stream": case["stream"]}
    for key, value in (("previous_response_id", case["previous"]), ("store", case["store"])):
        if value is not None:
            body[key] = kept.id if value == "KEPT" else value
    status, _, raw = post_json(keeping, "/v1/responses", body)
    assert status < 500, raw[:300]
    if status >= 400:
        error = json.loads(raw)["error"]
        assert error["type"] == "invalid_request_error" and error["message"]
    elif case["previous"] == "KEPT":
        assert "the kept turn" in json.dumps(fake_openai.requests[-1].body)
