"""The database store's pins carry their decision as text until it is read."""

from __future__ import annotations

import json

import pytest

from fulcrum.routing.sessions.database import JSONObject


def test_a_json_object_is_parsed_on_first_use_and_reads_as_a_mapping() -> None:
    text = json.dumps({"score": 0.21, "events": ["slo-spill"]})
    decision = JSONObject(text)
    assert decision._data is None  # nothing parsed yet
    assert decision["score"] == 0.21
    assert dict(decision) == {"score": 0.21, "events": ["slo-spill"]}
    assert len(decision) == 2 and "events" in decision and decision.get("nope") is None
    assert decision == {"score": 0.21, "events": ["slo-spill"]}
    assert {"score": 0.21, "events": ["slo-spill"]} == decision  # noqa: SIM300 - dict first
    with pytest.raises(KeyError):
        decision["nope"]


def test_a_json_value_that_is_not_an_object_reads_as_empty() -> None:
    assert dict(JSONObject("[1, 2]")) == {} and JSONObject("{}") == {}
