"""Time conditions: ``hours = "22:00-06:00"`` (a range may wrap past midnight; several
ranges in a list) and ``weekdays = ["sat", "sun"]``, both in the gateway's local time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fulcrum.routing.features import RequestFeatures
from fulcrum.tables import Table

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
DAY_MINUTES = 24 * 60

Span = tuple[int, int, str]  # (start minute, end minute, as written)


def _minute(hour: str, minute: str) -> int | None:
    h, m = int(hour), int(minute)
    if h > 24 or m > 59 or (h == 24 and m != 0):
        return None
    return h * 60 + m


def parse_hours(t: Table, key: str, values: tuple[str, ...]) -> tuple[Span, ...]:
    spans = []
    for value in values:
        match = _RANGE.match(value)
        start = _minute(match[1], match[2]) if match else None
        end = _minute(match[3], match[4]) if match else None
        if start is None or end is None or start == end:
            t.fail(key, '"HH:MM-HH:MM" ranges (00:00 to 24:00, may wrap midnight)', value)
        spans.append((start, end, value.strip()))
    return tuple(spans)


def parse_weekdays(t: Table, key: str, values: tuple[str, ...]) -> frozenset[int]:
    days = set()
    for value in values:
        day = value.strip().lower()
        if day not in WEEKDAYS and day not in _FULL:
            t.fail(key, f"weekday names from {', '.join(WEEKDAYS)}", value)
        days.add(WEEKDAYS.index(day[:3]))
    return frozenset(days)


def _inside(minute: int, span: Span) -> bool:
    start, end, _ = span
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


@dataclass(frozen=True, slots=True)
class HoursCondition:
    key: str
    spans: tuple[Span, ...]

    def test(self, f: RequestFeatures) -> bool:
        minute = f.hour * 60 + f.minute
        return any(_inside(minute, span) for span in self.spans)

    def explain(self, f: RequestFeatures) -> str:
        now = f"{f.hour:02d}:{f.minute:02d}"
        shown = ", ".join(span[2] for span in self.spans)
        return f"time {now} is {'within' if self.test(f) else 'outside'} {shown}"


@dataclass(frozen=True, slots=True)
class WeekdaysCondition:
    key: str
    days: frozenset[int]

    def test(self, f: RequestFeatures) -> bool:
        return f.weekday in self.days

    def explain(self, f: RequestFeatures) -> str:
        today = WEEKDAYS[f.weekday % 7]
        if self.test(f):
            return f"weekday is {today}"
        wanted = ", ".join(WEEKDAYS[d] for d in sorted(self.days))
        return f"weekday is {today}, wanted one of {wanted}"
