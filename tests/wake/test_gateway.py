"""POST /v1/wake through the gateway against a fake OpenAI-format backend."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fulcrum.fakes import Fail, FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway

from .helpers import ANSWER, config, post

GARBAGE = "Sure! I think the agent should probably wake up for this one."


def answer(label: str, wake: bool, confidence: float = 0.9, reason: str = "CI is red") -> str:
    return json.dumps({"wake": wake, "label": label, "confidence": confidence, "reason": reason})


def test_a_valid_answer_is_the_decision_and_the_schema_went_up(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(answer("wake", True), input_tokens=500, output_tokens=40))
    with running_gateway(config(fake_openai.url)) as gw:
        status, body = post(gw, "/v1/wake", {"event": "CI failed on main", "metadata": {"n": 3}})
        gw.stop()
    assert status == 200
    ANSWER.validate(body)
    assert (body["wake"], body["label"], body["confidence"]) == (True, "wake", 0.9)
    assert (body["fallback"], body["tries"], body["backend"]) == (False, 1, "small")
    assert body["usage"] == {"input_tokens": 500, "output_tokens": 40}
    sent = fake_openai.requests[0].body
    fmt = sent["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["properties"]["label"]["enum"] == ["wake", "ignore"]
    assert sent["model"] == "small-model" and sent["temperature"] == 0
    assert "CI failed on main" in sent["messages"][1]["content"]
    assert '"n": 3' in sent["messages"][1]["content"]
    (row,) = open_store(None).rows()
    assert (row.id, row.endpoint, row.backend, row.backend_kind) == (
        body["id"], "/v1/wake/default", "small", "local",
    )  # fmt: skip
    assert (row.input_tokens, row.output_tokens, row.tool_retries) == (500, 40, 0)
    assert row.cost_usd is not None and row.cost_usd > 0  # the [machine]'s time
    # claude-sonnet-4-6, the ledger's reference: 500 x $3 + 40 x $15 per million
    assert row.counterfactual_usd == Decimal("0.0021")


def test_garbage_gets_one_retry_then_the_fallback_never_a_500(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Reply(GARBAGE, input_tokens=300, output_tokens=20)
    wake = '[wake]\nfallback = "ignore"'
    with running_gateway(config(fake_openai.url, wake=wake)) as gw:
        status, body = post(gw, "/v1/wake", {"event": "lgtm :+1:"})
        gw.stop()
    assert status == 200
    ANSWER.validate(body)
    assert (body["fallback"], body["tries"]) == (True, 2)
    assert (body["wake"], body["label"], body["confidence"]) == (False, "ignore", 0.0)
    assert body["reason"].startswith("fallback: invalid output (not JSON")
    assert len(fake_openai.requests) == 2
    retry = fake_openai.requests[1].body["messages"]
    assert retry[2] == {"role": "assistant", "content": GARBAGE}
    assert "invalid" in retry[3]["content"]
    (row,) = open_store(None).rows()
    assert row.tool_retries == 1 and len(row.attempts) == 2
    assert (row.input_tokens, row.output_tokens) == (600, 40)  # both tries are billed
    assert row.status == 200 and row.error is not None and "fallback" in row.error


def test_a_schema_violation_is_retried_and_the_retry_can_succeed(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(answer("maybe", True)), Reply(answer("ignore", True, 0.4)))
    with running_gateway(config(fake_openai.url)) as gw:
        status, body = post(gw, "/v1/wake", {"event": "someone starred the repo"})
    assert status == 200
    # the label decides wake (the model said wake=true with the label "ignore")
    assert (body["label"], body["wake"], body["fallback"], body["tries"]) == (
        "ignore", False, False, 2,
    )  # fmt: skip
    assert "label" in fake_openai.requests[1].body["messages"][3]["content"]


def test_an_unreachable_backend_is_the_fallback_too(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Fail(503)
    with running_gateway(config(fake_openai.url)) as gw:
        status, body = post(gw, "/v1/wake", {"event": "prod is down"})
    assert status == 200
    assert (body["fallback"], body["tries"], body["wake"], body["label"]) == (
        True, 0, True, "wake",
    )  # fmt: skip
    assert "HTTP 503" in body["reason"]


WAKE = """
[wake]
labels = ["wake", "ignore"]

[wake.filters.ci]
model = "ci-model"
labels = ["page", "later", "noise"]
wake_labels = ["page"]
fallback = "label:later"
instructions = "Decide whether a CI event pages the agent."
"""


def test_a_named_filter_has_its_own_prompt_labels_model_and_fallback(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.push(Reply(answer("page", False)))
    fake_openai.push(Reply(GARBAGE), times=2)
    with running_gateway(config(fake_openai.url, wake=WAKE)) as gw:
        status, body = post(gw, "/v1/wake/ci", {"event": "build #41 failed"})
        _, fell = post(gw, "/v1/wake/ci", {"event": "build #42 passed"})
        missing, err = post(gw, "/v1/wake/nope", {"event": "x"})
        gw.stop()
    assert status == 200 and (body["label"], body["wake"]) == ("page", True)
    assert (fell["label"], fell["wake"], fell["fallback"]) == ("later", False, True)
    sent = fake_openai.requests[0].body
    assert sent["model"] == "ci-model"
    assert sent["messages"][0]["content"].startswith("Decide whether a CI event")
    labels = sent["response_format"]["json_schema"]["schema"]["properties"]["label"]["enum"]
    assert labels == ["page", "later", "noise"]
    assert missing == 404 and "ci" in err["error"]["message"]
    endpoints = sorted(r.endpoint for r in open_store(None).rows())
    assert endpoints == ["/v1/wake/ci", "/v1/wake/ci"]


def test_labels_in_the_request_replace_the_filters(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(answer("urgent", True)))
    with running_gateway(config(fake_openai.url)) as gw:
        _, body = post(gw, "/v1/wake", {"event": "x", "labels": ["urgent", "fyi"]})
    sent = fake_openai.requests[0].body["response_format"]["json_schema"]["schema"]
    assert sent["properties"]["label"]["enum"] == ["urgent", "fyi"]
    # no wake label among the caller's: the model's own wake decides
    assert (body["label"], body["wake"]) == ("urgent", True)


def _error(gw: Any, body: Any) -> tuple[int, str | None, str]:
    status, data = post(gw, "/v1/wake", body)
    return status, data["error"]["param"], data["error"]["message"]


def test_bad_bodies_are_400_naming_the_field(fake_openai: FakeOpenAI) -> None:
    with running_gateway(config(fake_openai.url)) as gw:
        cases = {
            "missing": _error(gw, {"labels": ["a", "b"]}),
            "empty": _error(gw, {"event": "  "}),
            "labels": _error(gw, {"event": "x", "labels": "wake"}),
            "label item": _error(gw, {"event": "x", "labels": ["a", 2]}),
            "one label": _error(gw, {"event": "x", "labels": ["a"]}),
            "unknown": _error(gw, {"event": "x", "priority": 1}),
            "metadata": _error(gw, {"event": "x", "metadata": [1]}),
            "not json": _error(gw, b"{not json"),
        }
        gw.stop()
    assert {k: v[:2] for k, v in cases.items()} == {
        "missing": (400, "event"),
        "empty": (400, "event"),
        "labels": (400, "labels"),
        "label item": (400, "labels[1]"),
        "one label": (400, "labels"),
        "unknown": (400, "priority"),
        "metadata": (400, "metadata"),
        "not json": (400, None),
    }
    assert "unknown field" in cases["unknown"][2]
    assert cases["empty"][2] == 'event: expected a non-empty string, got "  "'  # not "got str"
    assert cases["label item"][2].endswith("got 2")
    assert fake_openai.requests == []
    assert open_store(None).rows() == []


def test_without_a_local_backend_wake_is_503_but_the_gateway_serves(
    fake_openai: FakeOpenAI,
) -> None:
    text = config(fake_openai.url).replace('kind = "local"', 'kind = "api"')
    with running_gateway(text) as gw:
        status, data = post(gw, "/v1/wake", {"event": "x"})
    assert status == 503 and "[wake] backend" in data["error"]["message"]
