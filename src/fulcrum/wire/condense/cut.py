"""Where a moved session's conversation is cut, the cut kept, and the summary that replaces
the condensed part."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fulcrum.wire.condense.shapes import Shape
from fulcrum.wire.condense.text import clip, unmarked

SUMMARY_CHARS = 24_000  # about 6,000 tokens: a long session's summary stays compact
ONE_LINE = 160  # an old entry cut to its first line, when the summary runs over
SUMMARIES_KEPT = 512  # moved sessions whose summary a process keeps (the oldest goes first)
_SUMMARIES: dict[tuple[int, Cut], str] = {}


@dataclass(frozen=True, slots=True)
class Cut:
    """Messages before ``upto`` are condensed (but the system and user messages that open the
    conversation); ``mark`` is the fingerprint of the message at ``upto``, the first one sent
    as it is."""

    upto: int
    mark: str
    source: str | None = None  # where the session came from ("backend/model")

    def as_dict(self) -> dict[str, Any]:
        return {"upto": self.upto, "mark": self.mark, "source": self.source}

    @classmethod
    def of(cls, data: Any) -> Cut | None:
        """A cut kept as JSON (a pin's), or None when it is not one."""
        if not isinstance(data, Mapping):
            return None
        upto, mark = data.get("upto"), data.get("mark")
        if type(upto) is not int or not isinstance(mark, str):
            return None
        source = data.get("source")
        return cls(upto, mark, source if isinstance(source, str) else None)


def plan_cut(shape: Shape, messages: list[Any], source: str | None) -> Cut | None:
    """Where to cut a conversation that moves now: before its last assistant turn, when there
    is something between its opening user messages and that turn and condensing it saves half."""
    opening, upto = _opening(shape, messages), shape.last_turn(messages)
    if upto is None or opening is None or upto <= opening:
        return None
    condensed = messages[opening:upto]
    size = len(json.dumps(condensed, separators=(",", ":"), default=str))
    text = summary(shape, condensed, source)
    if 2 * len(text) > size:
        return None
    cut = Cut(upto, mark(messages[upto]), source)
    _keep(shape, cut, text)
    return cut


def apply_cut(shape: Shape, messages: list[Any], cut: Cut) -> list[Any] | None:
    """The conversation with its prefix condensed; None when it does not match the cut (the
    client's history is no longer the one the cut was made on)."""
    opening = _opening(shape, messages)
    if opening is None or not opening < cut.upto < len(messages):
        return None
    if mark(messages[cut.upto]) != cut.mark:
        return None
    text = _summary_at(shape, messages[opening : cut.upto], cut)
    # the opening messages without cache markers: the same bytes whichever turn moves them
    head = [
        *map(unmarked, messages[: opening - 1]),
        shape.with_summary(messages[opening - 1], text),
    ]
    return [*head, *messages[cut.upto :]]


def _summary_at(shape: Shape, condensed: list[Any], cut: Cut) -> str:
    """The cut's summary, made once per process: every later turn of the session sends the
    same bytes without rendering its earlier turns again (the mark says they are the same)."""
    text = _SUMMARIES.get((id(shape), cut))
    if text is None:
        text = summary(shape, condensed, cut.source)
        _keep(shape, cut, text)
    return text


def _keep(shape: Shape, cut: Cut, text: str) -> None:
    if len(_SUMMARIES) >= SUMMARIES_KEPT:
        del _SUMMARIES[next(iter(_SUMMARIES))]  # the oldest
    _SUMMARIES[(id(shape), cut)] = text


def _opening(shape: Shape, messages: list[Any]) -> int | None:
    """The end of the leading system messages and the user messages after them (kept whole;
    the summary is added to the last of them): None when no user message opens it."""
    end = start = shape.lead(messages)
    while end < len(messages) and shape.is_user(messages[end]):
        end += 1
    return end if end > start else None


def summary(shape: Shape, condensed: list[Any], source: str | None) -> str:
    """The summary of the condensed messages: one entry per part, within
    :data:`SUMMARY_CHARS` (see :func:`fit`)."""
    names: dict[str, str] = {}  # tool call id -> tool name, for the results' lines
    lines = [line for m in condensed if isinstance(m, Mapping) for line in shape.lines(m, names)]
    came = f" from {source}" if source else ""
    return (
        f"[fulcrum] This session was handed over to you{came}. Its {len(condensed)} earlier "
        "messages are condensed below, tool output clipped to its head and tail (run a tool "
        "again where you need all of it); the conversation goes on as it happened after this "
        "message.\n" + "\n".join(fit(lines, SUMMARY_CHARS))
    )


def fit(lines: list[str], limit: int) -> list[str]:
    """Entries within about ``limit`` characters: the oldest cut to their first line first,
    then, while still over, left out (said so); the newest stay as they are longest."""
    out = list(lines)
    total = sum(len(entry) + 1 for entry in out)
    for index, entry in enumerate(out):
        if total <= limit:
            return out
        short = clip(entry.split("\n", 1)[0], ONE_LINE)
        total -= len(entry) - len(short)
        out[index] = short
    dropped = 0
    while total > limit and dropped < len(out):
        total -= len(out[dropped]) + 1
        dropped += 1
    return [f"[{dropped} earlier entries left out]", *out[dropped:]] if dropped else out


def mark(message: Any) -> str:
    """A message's fingerprint, its cache markers left out (clients move them turn by turn)."""
    text = json.dumps(unmarked(message), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
