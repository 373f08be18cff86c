"""The condition classes behind the ``when`` keys (parsed in :mod:`.conditions`).

``test`` is the hot path: attribute reads and precompiled patterns, no text built.
``explain`` builds the words ``route explain`` shows, only when asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import translate
from typing import Any
from unicodedata import normalize

from fulcrum.routing.features import RequestFeatures

Getter = Callable[[RequestFeatures], Any]


def globs(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive regex matching any of the shell globs (read in Unicode NFC: match
    it against :func:`nfc` values)."""
    return re.compile("|".join(f"(?:{translate(nfc(p))})" for p in patterns), re.IGNORECASE)


def nfc(value: str) -> str:
    """``value`` in Unicode NFC, so a path macOS gives decomposed (NFD: ``u`` + a combining
    diaeresis) is the same text as one typed composed (``ü``); ASCII as it is, at once."""
    return value if value.isascii() else normalize("NFC", value)


def _shown(values: tuple[str, ...]) -> str:
    return ", ".join(values)


@dataclass(frozen=True, slots=True)
class GlobCondition:
    key: str
    label: str
    get: Getter
    patterns: tuple[str, ...]
    regex: re.Pattern[str]

    def test(self, f: RequestFeatures) -> bool:
        value = self.get(f)
        return value is not None and self.regex.match(nfc(value)) is not None

    def explain(self, f: RequestFeatures) -> str:
        value = self.get(f)
        if not value:
            verb = "matches" if self.test(f) else "does not match"
            return f"no {self.label} in the request ({verb} {_shown(self.patterns)})"
        hit = [p for p in self.patterns if globs((p,)).match(nfc(value))]
        if hit:
            return f"{self.label} {value!r} matches {hit[0]!r}"
        return f"{self.label} {value!r} matches none of {_shown(self.patterns)}"


@dataclass(frozen=True, slots=True)
class NameCondition:
    key: str
    label: str
    get: Getter
    accepted: frozenset[str]
    listed: tuple[str, ...]

    def test(self, f: RequestFeatures) -> bool:
        value = self.get(f)
        return (nfc(value) if isinstance(value, str) else value) in self.accepted

    def explain(self, f: RequestFeatures) -> str:
        value = self.get(f)
        if self.test(f):
            return f"{self.label} is {value!r}"
        shown = "none" if value is None else repr(value)
        return f"{self.label} is {shown}, wanted one of {_shown(self.listed)}"


@dataclass(frozen=True, slots=True)
class FlagCondition:
    key: str
    label: str
    get: Getter
    want: bool

    def test(self, f: RequestFeatures) -> bool:
        return bool(self.get(f)) is self.want

    def explain(self, f: RequestFeatures) -> str:
        have = "yes" if self.get(f) else "no"
        wanted = "yes" if self.want else "no"
        return f"{self.label}: {have}" + ("" if self.test(f) else f", wanted {wanted}")


@dataclass(frozen=True, slots=True)
class BoundCondition:
    key: str
    label: str
    get: Getter
    bound: int
    at_least: bool

    def test(self, f: RequestFeatures) -> bool:
        value: int = self.get(f)
        return value >= self.bound if self.at_least else value <= self.bound

    def explain(self, f: RequestFeatures) -> str:
        value = self.get(f)
        sign = (
            (">=" if self.at_least else "<=") if self.test(f) else ("<" if self.at_least else ">")
        )
        return f"{self.label} {value:,} {sign} {self.key} {self.bound:,}"


@dataclass(frozen=True, slots=True)
class HeaderCondition:
    key: str
    globs: tuple[tuple[str, str, re.Pattern[str]], ...]  # (lower-cased name, glob, regex)

    def test(self, f: RequestFeatures) -> bool:
        headers = f.headers
        for name, _, regex in self.globs:
            value = headers.get(name)
            if value is None or regex.match(value) is None:
                return False
        return True

    def explain(self, f: RequestFeatures) -> str:
        parts = []
        for name, glob, regex in self.globs:
            value = f.headers.get(name)
            if value is None:
                parts.append(f"header {name} is absent, wanted {glob!r}")
            else:
                verb = "matches" if regex.match(value) else "does not match"
                parts.append(f"header {name} {value!r} {verb} {glob!r}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class SecretsCondition:
    key: str
    want: bool
    only: frozenset[str] = frozenset()  # empty: any detector

    def test(self, f: RequestFeatures) -> bool:
        if self.only:
            return any(name in self.only for name in f.secrets)
        return bool(f.secrets) is self.want

    def explain(self, f: RequestFeatures) -> str:
        said = f"secrets: {_shown(f.secrets)} matched" if f.secrets else "secrets: none found"
        if self.test(f):
            return said
        if self.only:
            return f"{said}, wanted one of {_shown(tuple(sorted(self.only)))}"
        return f"{said}, wanted {'some' if self.want else 'none'}"


@dataclass(frozen=True, slots=True)
class TextCondition:
    key: str
    regexes: tuple[re.Pattern[str], ...]

    def test(self, f: RequestFeatures) -> bool:
        return any(r.search(f.text) for r in self.regexes)

    def explain(self, f: RequestFeatures) -> str:
        hit = next((r.pattern for r in self.regexes if r.search(f.text)), None)
        if hit is not None:
            return f"text matches /{hit}/"
        return f"text matches none of {_shown(tuple(f'/{r.pattern}/' for r in self.regexes))}"
