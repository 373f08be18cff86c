"""The condition kinds of a rule's ``when`` table: a registry from key to parser.

Each parser reads one key of ``when`` (a :class:`~fulcrum.tables.Table`) at start-up, so a
bad value is a :class:`~fulcrum.errors.ConfigError` naming the field, and returns a
:class:`Condition`: ``test(features)`` is the hot path (no text is built there) and
``explain(features)`` says in words why it did or did not match (``route explain``).
A new kind is one :func:`condition` parser; the rule parser knows none by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter
from typing import Protocol

from fulcrum.routing.claude_code import REQUEST_KINDS
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy.matchers import (
    BoundCondition,
    FlagCondition,
    GlobCondition,
    HeaderCondition,
    NameCondition,
    SecretsCondition,
    TextCondition,
    globs,
    nfc,
)
from fulcrum.routing.policy.timing import (
    HoursCondition,
    WeekdaysCondition,
    parse_hours,
    parse_weekdays,
)
from fulcrum.routing.secrets import DETECTORS
from fulcrum.tables import Table


class Condition(Protocol):
    @property
    def key(self) -> str: ...

    def test(self, f: RequestFeatures) -> bool: ...

    def explain(self, f: RequestFeatures) -> str: ...


Parser = Callable[[Table, str], Condition]
CONDITIONS: dict[str, Parser] = {}


def condition(*keys: str) -> Callable[[Parser], Parser]:
    """Register a parser for the ``when`` keys ``keys``."""

    def add(parser: Parser) -> Parser:
        for key in keys:
            CONDITIONS[key] = parser
        return parser

    return add


def names(t: Table, key: str) -> tuple[str, ...]:
    """A string or a non-empty list of strings."""
    value = t.data.get(key)
    if isinstance(value, str) and value.strip():
        return (value,)
    return t.str_list(key, nonempty=True, required=True)


_GLOBS = {"user_agent": "user agent", "model": "model", "path": "working directory"}
_NAMES = {"client_key": "client key", "repo": "repository", "kind": "kind"}
_FLAGS = {"tools": ("tools declared", "has_tools"), "thinking": ("thinking", "thinking")}
_BOUNDS = {
    "min_tokens": ("estimated tokens", "estimated_tokens", True),
    "max_tokens": ("estimated tokens", "estimated_tokens", False),
    "turn_min": ("turn", "turn", True),
    "tool_errors_min": ("tool errors in a row", "tool_errors", True),
}


@condition(*_GLOBS)
def _glob(t: Table, key: str) -> Condition:
    patterns = names(t, key)
    get = attrgetter("cwd" if key == "path" else key)
    return GlobCondition(key, _GLOBS[key], get, patterns, globs(patterns))


@condition(*_NAMES)
def _name(t: Table, key: str) -> Condition:
    listed = names(t, key)
    if key == "kind":
        for value in listed:
            if value not in REQUEST_KINDS:
                t.fail(key, f"request kinds from {', '.join(REQUEST_KINDS)}", value)
    return NameCondition(key, _NAMES[key], attrgetter(key), frozenset(map(nfc, listed)), listed)


@condition(*_FLAGS)
def _flag(t: Table, key: str) -> Condition:
    label, attr = _FLAGS[key]
    return FlagCondition(key, label, attrgetter(attr), t.flag(key))


@condition(*_BOUNDS)
def _bound(t: Table, key: str) -> Condition:
    label, attr, at_least = _BOUNDS[key]
    return BoundCondition(key, label, attrgetter(attr), t.integer(key, low=0), at_least)


@condition("header")
def _header(t: Table, key: str) -> Condition:
    table = t.table(key)
    if not table.data:
        t.fail(key, 'a table of header globs, e.g. { "x-team" = "infra*" }', t.data.get(key))
    pairs = ((n, table.text(n, required=True)) for n in table.data)
    return HeaderCondition(key, tuple((n.lower(), g, globs((g,))) for n, g in pairs))


@condition("secrets")
def _secrets(t: Table, key: str) -> Condition:
    value = t.data.get(key)
    if isinstance(value, bool):
        return SecretsCondition(key, value)
    listed = names(t, key)
    for name in listed:
        if name not in DETECTORS:
            t.fail(key, f"true, false or detector names from {', '.join(DETECTORS)}", name)
    return SecretsCondition(key, True, frozenset(listed))


@condition("text")
def _text(t: Table, key: str) -> Condition:
    compiled = []
    for pattern in names(t, key):
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            t.fail(key, f"a valid regular expression ({exc})", pattern)
    return TextCondition(key, tuple(compiled))


@condition("hours")
def _hours(t: Table, key: str) -> Condition:
    return HoursCondition(key, parse_hours(t, key, names(t, key)))


@condition("weekdays")
def _weekdays(t: Table, key: str) -> Condition:
    return WeekdaysCondition(key, parse_weekdays(t, key, names(t, key)))
