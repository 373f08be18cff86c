"""``POST /v1/feedback``: labels on a request (by its x-fulcrum-request-id) or a session."""

from __future__ import annotations

import json
import time

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.routing.budget import open_database
from fulcrum.routing.outcomes.feedback import read_feedback
from fulcrum.testing.gateway import running_gateway

from ..helpers import post_json
from .helpers import ask, brain_config, ledger_rows, user

POLICY = '[policy]\notherwise = "local"\n'


def test_feedback_is_recorded_against_the_request_id_the_answer_carried(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    with running_gateway(config) as gw:
        status, headers, _ = ask(gw, "F", user("rename the variable"))
        assert status == 200
        request_id = headers["x-fulcrum-request-id"]
        bad = {"request_id": request_id, "label": "bad", "note": "edited the wrong file"}
        assert post_json(gw, "/v1/feedback", bad)[0] == 200
        assert post_json(gw, "/v1/feedback", {"session_id": "F", "label": "good"})[0] == 200
    (row,) = ledger_rows()
    assert row.id == request_id  # the id the client was told is the ledger row's
    db = open_database(None)
    try:
        first, second = read_feedback(db)
    finally:
        db.close()
    assert (first.request_id, first.label, first.note) == (request_id, "bad", bad["note"])
    assert (second.session, second.label, second.request_id) == ("F", "good", None)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"request_id": "x", "label": "meh"}, "label"),
        ({"label": "bad"}, "request_id"),
        ({"request_id": "x", "label": "bad", "stars": 1}, "stars"),
        ({"request_id": "", "label": "bad"}, "request_id"),
        ({"request_id": "x", "label": "bad", "note": 3}, "note"),
    ],
)
def test_bad_feedback_is_a_400_naming_the_field(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, body: dict[str, object], param: str
) -> None:
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    with running_gateway(config) as gw:
        status, _, raw = post_json(gw, "/v1/feedback", body)
    error = json.loads(raw)["error"]
    assert status == 400 and error["type"] == "invalid_request_error"
    assert error["message"].startswith(param)


def test_one_client_key_cannot_label_anothers_request_or_session(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bob labelled alice's work "bad": labels that train the router on her outcomes
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alice:key-a,bob:key-b")
    alice, bob = {"x-api-key": "key-a"}, {"x-api-key": "key-b"}
    config = brain_config(fake_anthropic.url, fake_openai.url, POLICY)
    with running_gateway(config) as gw:
        status, headers, _ = ask(gw, "A", user("rename the variable"), headers=alice)
        assert status == 200
        request_id = headers["x-fulcrum-request-id"]
        deadline = time.monotonic() + 10
        while not ledger_rows() and time.monotonic() < deadline:  # the row lands after
            time.sleep(0.05)
        answers = [
            post_json(gw, "/v1/feedback", {"request_id": request_id, "label": "bad"}, bob),
            post_json(gw, "/v1/feedback", {"session_id": "A", "label": "bad"}, bob),
            post_json(gw, "/v1/feedback", {"request_id": request_id, "label": "good"}, alice),
        ]
    assert [status for status, _, _ in answers] == [404, 404, 200]
    assert json.loads(answers[0][2])["error"]["message"].startswith("No request")
    (row,) = ledger_rows()
    assert row.client_key == "alice"  # the key's name, never the key
    db = open_database(None)
    try:
        (kept,) = read_feedback(db)
    finally:
        db.close()
    assert (kept.label, kept.client_key) == ("good", "alice")
