"""Checked values of an import: token counts, times and a file's text.

Each check returns the value ready for a record, or raises :class:`ValueError` with the
reason, naming the field, that the importer turns into a problem with file and line:

- a count is a whole number from 0 to :data:`MAX_COUNT` (2^63 - 1, the largest integer the
  SQLite store holds);
- a time is ISO 8601 (or Unix seconds) that can be written in UTC, years 1 to 9999.

A file's text is decoded by :func:`fulcrum.textfiles.decode`: UTF-16 or UTF-32, or bytes of
another encoding, are a problem for the whole file (for a Claude Code log, read line by line,
a line not in UTF-8 is a problem of that line).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeGuard

MAX_COUNT = 2**63 - 1


def is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def bounded(name: str, value: int) -> int:
    if value > MAX_COUNT:
        raise ValueError(f"{name}: more than {MAX_COUNT:,}, the most a count can be")
    return value


def whole(name: str, value: object) -> int:
    """A JSON count."""
    if not is_count(value):
        raise ValueError(f"{name} missing or not a whole number")
    return bounded(name, value)


def whole_text(name: str, text: str) -> int:
    """A count written as text (a CSV cell): ``1200``, ``1200.0``, ``1.2e3``."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise ValueError(f"{name}: {text!r} is not a whole number")
    if number > MAX_COUNT:  # before int(): 1e999999 is a finite Decimal
        raise ValueError(f"{name}: {text!r} is more than {MAX_COUNT:,}, the most a count can be")
    return int(number)


def _in_utc(name: str, text: str, ts: datetime) -> datetime:
    try:
        return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{name}: {text!r} is outside the years 1 to 9999 in UTC") from None


def utc_time(name: str, text: str, form: str = "an ISO 8601 time") -> datetime:
    """An ISO 8601 time (``Z`` or an offset; none is UTC) as a UTC datetime."""
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not {form}") from None
    return _in_utc(name, text, ts)


def unix_time(name: str, seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{name}: {seconds} is outside the years 1970 to 9999") from None
