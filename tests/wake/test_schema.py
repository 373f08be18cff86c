"""The answer schema: what it accepts, what it refuses, and the decision it yields."""

from __future__ import annotations

import json

import pytest

from fulcrum.wake.constraints import CONSTRAINTS, default_constraint
from fulcrum.wake.schema import InvalidAnswer, decide, fallback_verdict, read_answer

LABELS = ("wake", "ignore")


def text(**change: object) -> str:
    return json.dumps({"wake": True, "label": "wake", "confidence": 0.85, "reason": "ok"} | change)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("Sure, wake it", "not JSON"),
        (text(label="maybe"), "label: 'maybe' is not one of"),
        (text(confidence=0.87), "confidence"),  # off the 0.05 grid a grammar can enforce
        (text(confidence=430.7e63), "confidence"),
        (text(reason='say "hi"'), "reason"),  # quotes: escapes cost tokens, so refused
        (text(reason="x" * 161), "reason"),
        (text(extra=1), "Additional properties"),
        (json.dumps({"wake": True, "label": "wake", "confidence": 1}), "reason"),
    ],
)
def test_invalid_answers_say_what_is_wrong(answer: str, words: str) -> None:
    with pytest.raises(InvalidAnswer) as err:
        read_answer(answer, LABELS)
    assert words in str(err.value)


def test_the_label_decides_wake_when_the_label_set_names_a_wake_label() -> None:
    answer = read_answer(text(wake=True, label="ignore", confidence=1.0), LABELS)
    assert decide(answer, LABELS, ("wake",)).wake is False
    free = read_answer(text(label="fyi"), ("urgent", "fyi"))
    assert decide(free, ("urgent", "fyi"), ("wake",)).wake is True  # the model's own wake


def test_fallbacks_pick_a_label_of_their_meaning() -> None:
    labels, waking = ("page", "later", "noise"), ("page",)
    assert fallback_verdict(False, None, labels, waking, "x").label == "later"
    assert fallback_verdict(True, None, labels, waking, "x").label == "page"
    fixed = fallback_verdict(None, "noise", labels, waking, "backend down")
    assert (fixed.wake, fixed.label, fixed.confidence) == (False, "noise", 0.0)
    assert fixed.reason == "fallback: backend down"


def test_a_fixed_fallback_label_the_callers_labels_lack_keeps_its_meaning() -> None:
    """``fallback = "label:noise"`` on a call with its own labels: the answer's label is one
    of the caller's, of the fixed label's meaning (noise does not wake)."""
    labels, waking = ("urgent", "fyi", "page"), ("page",)
    got = fallback_verdict(None, "noise", labels, waking, "backend down")
    assert (got.wake, got.label) == (False, "urgent") and got.label in labels
    paged = fallback_verdict(None, "page", ("x", "page"), waking, "down")
    assert (paged.wake, paged.label) == (True, "page")


def test_each_format_has_a_constraint_that_serves_it() -> None:
    assert default_constraint("openai") == "json_schema"
    assert default_constraint("anthropic") == "none"
    body: dict[str, object] = {}
    CONSTRAINTS["json_object"].apply(body, "w", {"type": "object"})
    assert body == {"response_format": {"type": "json_object", "schema": {"type": "object"}}}
    assert not CONSTRAINTS["json_schema"].serves("anthropic")
