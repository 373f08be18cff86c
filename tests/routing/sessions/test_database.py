"""The database store's pins carry their decision as text until it is read."""

from __future__ import annotations

import json

import pytest

from fulcrum.ledger.store import LedgerUnavailable
from fulcrum.routing.sessions.database import DatabaseSessionStore, JSONObject
from fulcrum.routing.sessions.pin import SessionPin


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


class _DownDatabase:
    """A shared database in an outage: every operation is one LedgerUnavailable."""

    dialect = "postgres"
    remote = True
    description = "postgresql://db/x"

    def run(self, work: object, *, write: bool = False) -> object:
        raise LedgerUnavailable("lost the ledger database postgresql://db/x: gone")

    def close(self) -> None:
        pass


def test_an_outage_reads_as_no_pin_and_a_pin_write_is_skipped() -> None:
    store = DatabaseSessionStore(_DownDatabase(), ttl_s=3600)  # type: ignore[arg-type]
    pin = SessionPin("llama", "qwen3-coder", "local", None, "learned", None, {})
    store.put("s1", "chat", pin)  # no raise: the turn is served, the pin written later
    assert store.get("s1", "chat") is None
