"""Checked values of an import: token counts, times and a file's text.

Each check returns the value ready for a record, or raises :class:`ValueError` with the
reason, naming the field, that the importer turns into a problem with file and line:

- a count is a whole number from 0 to :data:`MAX_COUNT` (2^63 - 1, the largest integer the
  SQLite store holds);
- a time is ISO 8601 (or Unix seconds) that can be written in UTC, years 1 to 9999;
- a file's text is UTF-8 (a byte-order mark is dropped); UTF-16 or UTF-32, or bytes of
  another encoding, are a problem for the whole file (for a Claude Code log, read line by
  line, a line not in UTF-8 is a problem of that line).
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeGuard

MAX_COUNT = 2**63 - 1
WIDE = "not UTF-8: it looks like UTF-16 or UTF-32; save it as UTF-8"


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


def is_wide(data: bytes) -> bool:
    """UTF-16 or UTF-32: a byte-order mark, or NUL and other bytes in the first four (a file
    that starts with NUL bytes only, as after a crash, is not taken for one)."""
    head = data[:4]
    bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return bom or (b"\x00" in head and bool(head.strip(b"\x00")))


def utf8_text(data: bytes) -> str:
    """A file's bytes as text: UTF-8, a byte-order mark dropped."""
    if is_wide(data):
        raise ValueError(WIDE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} on line {line}; save it as UTF-8"
        ) from None
