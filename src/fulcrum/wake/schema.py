"""The answer's JSON schema, its validation, and the decision read from a valid answer.

The schema is one every server's grammar can enforce, not only validate afterwards:

- ``confidence`` is a number from 0 to 1 in steps of 0.05, written as an ``enum`` —
  llama.cpp's schema-to-grammar conversion ignores ``minimum``/``maximum`` on numbers, so a
  range alone lets a constrained model print ``430.7e6306``;
- ``reason`` is printable ASCII without quotes or backslashes, at most
  :data:`REASON_MAX` characters (a ``pattern``, and ``maxLength`` for engines without
  patterns) — an escape such as ``\\u00e9`` is six tokens of a byte vocabulary, so the
  bound on characters is then a bound on tokens, well under the filter's ``max_tokens``.

The label decides ``wake`` when the label set in force names a wake label; when the
caller's labels name none, the model's own ``wake`` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

REASON_MAX = 160
REASON_PATTERN = f"^[ !#-\\[\\]-~]{{0,{REASON_MAX}}}$"
CONFIDENCE_STEPS = tuple(i / 20 for i in range(21))


@dataclass(frozen=True, slots=True)
class Verdict:
    wake: bool
    label: str
    confidence: float
    reason: str


class InvalidAnswer(ValueError):
    """The backend's text is not a JSON object valid under the schema; says why."""


@lru_cache(maxsize=256)
def answer_schema(labels: tuple[str, ...]) -> dict[str, Any]:
    """The schema for a label set (cached: callers must not change it)."""
    return {
        "type": "object",
        "properties": {
            "wake": {"type": "boolean"},
            "label": {"type": "string", "enum": list(labels)},
            "confidence": {"type": "number", "enum": list(CONFIDENCE_STEPS)},
            "reason": {"type": "string", "maxLength": REASON_MAX, "pattern": REASON_PATTERN},
        },
        "required": ["wake", "label", "confidence", "reason"],
        "additionalProperties": False,
    }


@lru_cache(maxsize=256)
def _validator(labels: tuple[str, ...]) -> Draft202012Validator:
    return Draft202012Validator(answer_schema(labels))


def read_answer(text: str, labels: tuple[str, ...]) -> dict[str, Any]:
    """The answer object in ``text``, or :class:`InvalidAnswer` naming the first problem."""
    try:
        answer = json.loads(text)
    except ValueError as exc:
        raise InvalidAnswer(f"not JSON ({exc}): {text[:80]!r}") from None
    error = best_match(_validator(labels).iter_errors(answer))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the answer"
        raise InvalidAnswer(f"{where}: {error.message[:200]}")
    assert isinstance(answer, dict)
    return answer


def decide(
    answer: dict[str, Any], labels: tuple[str, ...], wake_labels: tuple[str, ...]
) -> Verdict:
    """The verdict of a valid answer: the label's meaning, else the model's ``wake``."""
    label = str(answer["label"])
    waking = [w for w in wake_labels if w in labels]
    wake = label in waking if waking else bool(answer["wake"])
    return Verdict(wake, label, float(answer["confidence"]), str(answer["reason"]))


def fallback_verdict(
    wake: bool | None,
    label: str | None,
    labels: tuple[str, ...],
    wake_labels: tuple[str, ...],
    why: str,
) -> Verdict:
    """The configured decision when no valid answer came (confidence 0, ``why`` as reason).
    A fixed label the call's own ``labels`` lack stands for its meaning (wake or not)."""
    if label is not None and label not in labels:
        wake, label = label in wake_labels, None
    if label is None:
        assert wake is not None
        pick = [x for x in labels if (x in wake_labels) == wake]
        label = pick[0] if pick else labels[0]
    else:
        wake = label in wake_labels
    return Verdict(wake, label, 0.0, f"fallback: {why}"[:REASON_MAX])


def prompt(instructions: str, labels: tuple[str, ...], wake_labels: tuple[str, ...]) -> str:
    """The system prompt: the filter's instructions and the answer's shape in words."""
    waking = [w for w in wake_labels if w in labels]
    meaning = (
        f"The labels that wake the agent: {', '.join(waking)}; the others do not."
        if waking
        else "Set wake to true when the agent must act now."
    )
    return (
        f"{instructions}\n\nAnswer with one JSON object and nothing else: "
        '{"wake": true or false, "label": one of '
        f"{', '.join(json.dumps(x) for x in labels)}, "
        '"confidence": a number from 0 to 1 in steps of 0.05, '
        f'"reason": one short sentence (ASCII, at most {REASON_MAX} characters)}}. {meaning}'
    )
