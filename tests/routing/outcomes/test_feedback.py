"""``parse_feedback``: what ``POST /v1/feedback`` accepts, and the 400 for what it does not."""

from __future__ import annotations

import pytest

from fulcrum.errors import InvalidRequest
from fulcrum.routing.outcomes.feedback import parse_feedback


def test_a_near_miss_field_is_named_with_the_field_meant() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_feedback({"session": "s1", "label": "good"})
    assert caught.value.param == "session"
    assert str(caught.value) == (
        "session: unknown field; did you mean `session_id`? accepted: request_id, session_id, "
        "label, note"
    )


def test_a_field_unlike_any_gets_no_suggestion() -> None:
    with pytest.raises(InvalidRequest, match=r"^stars: unknown field; accepted: request_id"):
        parse_feedback({"stars": 5})


@pytest.mark.parametrize(("label", "got"), [(None, "got nothing"), ("meh", "got 'meh'")])
def test_the_label_says_what_came(label: str | None, got: str) -> None:
    body = {"session_id": "s1"} if label is None else {"session_id": "s1", "label": label}
    with pytest.raises(InvalidRequest) as caught:
        parse_feedback(body)
    assert str(caught.value) == f"label: expected one of good, bad, {got}"


def test_a_good_body_is_read() -> None:
    fb = parse_feedback({"session_id": " s1 ", "label": "bad", "note": "wrong file"}, "team-a")
    assert (fb.session, fb.label, fb.note, fb.client_key) == ("s1", "bad", "wrong file", "team-a")
