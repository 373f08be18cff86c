"""The labelling rules on a ledger that holds every signal (see ``ledger.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fulcrum.ledger import open_store
from fulcrum.routing.outcomes.feedback import Feedback
from fulcrum.routing.outcomes.recorded import Recorded, Request, read_recorded
from fulcrum.routing.outcomes.signals import (
    BACKGROUND_LANE,
    FEEDBACK_FOREIGN,
    FEEDBACK_FRONTIER,
    FEEDBACK_MISSING,
    FRONTIER,
    NOT_ANSWERED,
    OUTAGE,
    UNKNOWN_KIND,
    label_requests,
)
from fulcrum.routing.outcomes.training import NO_TEXT, STRONG_UNKNOWN, training_rows

from .ledger import at, attempt, row, write_ledger

EXPECTED = [  # id, prompt, strong, weak, benchmark, in ledger order
    ("ok", "rename the helper", "1", "1", "gateway:local-ok"),
    ("fb-bad", "write the parser", "1", "0", "gateway:feedback"),
    ("fb-good", "add a test for it", "1", "1", "gateway:feedback"),
    ("fo", "prove the lemma", "1", "0", "gateway:failover"),
    ("fo-bad", "prove the corollary", "0", "0", "gateway:failover"),
    ("e1", "set up the project", "1", "1", "gateway:local-ok"),
    ("e2", "port the module", "1", "0", "gateway:escalation"),
    ("e4", "the port is wrong", "1", "0", "gateway:escalation"),
    ("r1", "fix the flaky test", "1", "0", "gateway:retry"),
    ("q2", "explain the cache", "1", "1", "gateway:local-ok"),
    ("w1", "tidy the imports", "1", "1", "gateway:local-ok"),
    ("t1", "run the tests", "1", "1", "gateway:local-ok"),
    ("t2", "run the tests", "1", "1", "gateway:local-ok"),
    ("s1", "summarize the diff", "1", "0", "gateway:session-feedback"),
    ("s2", "write the changelog", "1", "0", "gateway:session-feedback"),
    ("s3", "bump the version", "1", "1", "gateway:local-ok"),
    ("g1", "list the endpoints", "1", "1", "gateway:session-feedback"),
]


def _rows(tmp_path: Path, window_s: float = 120.0) -> tuple[list[dict[str, str]], dict[str, Any]]:
    recorded = read_recorded(str(write_ledger(tmp_path / "ledger.db")), None, None)
    rows, summary = training_rows(recorded, label_requests(recorded, window_s))
    return rows, summary.as_dict()


def test_each_signal_labels_exactly_the_requests_it_speaks_for(tmp_path: Path) -> None:
    rows, _ = _rows(tmp_path)
    got = [(r["id"], r["prompt"], r["strong_score"], r["weak_score"], r["benchmark"])
           for r in rows]  # fmt: skip
    assert got == EXPECTED


def test_the_agent_columns_are_the_scorers(tmp_path: Path) -> None:
    rows, _ = _rows(tmp_path)
    by_id = {r["id"]: r for r in rows}
    assert {k: by_id["t2"][k] for k in ("kind", "tools", "turn", "tool_errors")} == {
        "kind": "other", "tools": "1", "turn": "1", "tool_errors": "1",
    }  # fmt: skip
    assert int(by_id["t2"]["tokens"]) > int(by_id["t1"]["tokens"]) > 0


def test_the_summary_counts_every_request_and_why(tmp_path: Path) -> None:
    _, summary = _rows(tmp_path)
    assert summary["requests"] == 26  # the eval row is not a gateway request
    assert summary["rows_written"] == len(EXPECTED)
    assert summary["rows_skipped"] == {NO_TEXT: 1, STRONG_UNKNOWN: 1}
    signals = summary["signals"]
    assert signals["escalation"] == {"labelled": 3, "written": 2, "skipped": {NO_TEXT: 1}}
    assert signals["retry"] == {"labelled": 2, "written": 1, "skipped": {STRONG_UNKNOWN: 1}}
    assert signals["local-ok"] == {"labelled": 7, "written": 7, "skipped": {}}
    assert summary["not_labelled"] == {NOT_ANSWERED: 1, BACKGROUND_LANE: 1, OUTAGE: 1,
                                       FRONTIER: 4}  # fmt: skip
    unused = {FEEDBACK_FRONTIER: 1, FEEDBACK_MISSING: 1}
    assert summary["feedback"] == {"labels": 8, "unused": unused}


def test_a_wider_retry_window_catches_the_later_retry(tmp_path: Path) -> None:
    rows, _ = _rows(tmp_path, window_s=600.0)
    w1 = next(r for r in rows if r["id"] == "w1")
    assert (w1["strong_score"], w1["weak_score"], w1["benchmark"]) == ("1", "0", "gateway:retry")


def test_a_failed_backend_of_unknown_kind_is_no_failover(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    store = open_store(str(path))
    odd = (attempt("mystery", "HTTP 500", 500), attempt("claude", None))
    store.insert_many([row("x", "X", 0, "a task", local=False, attempts=odd)])
    store.close()
    recorded = read_recorded(str(path), at(-1), None)
    labelled = label_requests(recorded, 120.0)
    assert labelled.labels == {}
    assert dict(labelled.unlabelled) == {UNKNOWN_KIND: 1}


def test_a_label_given_with_another_client_key_is_dropped() -> None:
    # labels sent before the row was written reach the table: one key must not label another's
    def request(rid: str, session: str, key: str) -> Request:
        return Request(rid, at(1), session, "main", True, "local", False, client_key=key)

    recorded = Recorded("ledger", requests=[request("a1", "A", "alice"),
                                            request("b1", "B", "bob")])  # fmt: skip
    recorded.feedback = [
        Feedback("bad", request_id="a1", client_key="bob", ts=at(2)),  # bob on alice's
        Feedback("bad", session="A", client_key="bob", ts=at(3)),
        Feedback("bad", request_id="b1", client_key="bob", ts=at(4)),  # his own: kept
    ]
    labelled = label_requests(recorded, 120.0)
    assert labelled.labels["a1"].signal == "local-ok"  # not bob's "bad"
    assert labelled.labels["b1"].signal == "feedback" and labelled.labels["b1"].weak == 0
    assert labelled.feedback[FEEDBACK_FOREIGN] == 2
