"""Find credentials in request text, so a request holding one can be kept on this machine.

:func:`scan` names the detectors that matched (``("aws-access-key",)``), never the text.
Detectors are a registry (:data:`DETECTORS`, :func:`register`) of objects with a ``name``
and ``found(text)``: PEM private keys, AWS key ids and secret keys, GCP service accounts,
Google, GitHub, GitLab, Slack, Stripe, Anthropic, OpenAI, npm, PyPI, Hugging Face, SendGrid,
DigitalOcean and Azure storage keys, JSON Web Tokens, passwords inside URLs
(connection strings), ``.env``-style assignments of secret-like names, and high-entropy tokens.

Hand-written, not ``detect-secrets`` 1.5.0: its ad-hoc scan (``scan_line`` per line) took
about 26 ms for 2.3 KB of text here, a hundred times the router's per-request budget, and
flagged plain prose and a sha256 lock hash as high-entropy strings. The token shapes follow
the providers' documented key formats, the same ones its plugins encode.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Protocol

from fulcrum.routing.entropy import EntropyDetector

Check = Callable[["re.Match[str]"], bool]


class Detector(Protocol):
    """One kind of secret: ``found`` says whether ``text`` holds one (never what it is).

    A detector may also have ``min_length``, the shortest text it can find a secret in:
    :func:`scan` does not call it on a shorter one (a call costs more than the check)."""

    @property
    def name(self) -> str: ...

    def found(self, text: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class PatternDetector:
    """A token shape: ``pattern`` (best starting with a literal: found fast), tried only when
    one of ``hints`` (if any) occurs; ``check``, when set, must accept a match."""

    name: str
    pattern: re.Pattern[str]
    hints: tuple[str, ...] = ()
    check: Check | None = None
    min_length: int = 0  # the shortest text ``pattern`` can match: scan skips shorter ones

    def found(self, text: str) -> bool:
        if self.hints and not any(map(text.__contains__, self.hints)):
            return False
        first = self.pattern.search(text)  # no match is the usual answer, and search its quickest
        if first is None or self.check is None:
            return first is not None
        return any(self.check(m) for m in self.pattern.finditer(text))


_PLACEHOLDER = re.compile(  # ... and a value cut short in a document (``eyJhbGci...``)
    r"(?i)^(?:x+|\*+|\.+|-+|0+|secret|password|token|null|none|nil|true|false|undefined|test|"
    r"todo|tbd)$|your[-_ ]|[-_ ]here$|example|placeholder|dummy|change_?me|redacted|xxxx|\*\*\*"
    r"|^my[-_]?(?:pass|secret|token|key)|\.\.\.|\u2026"
)
_NAME_LIKE = re.compile(  # names: identifiers (digits only at a part's end: api_key_v2, not
    # hunter2hunter2), _private, ENV_NAMES, TypeNames, dotted.names, some/path, camelCase,
    # Header-Names; a call or subscript cut at its quote (os.environ[, getenv(); references
    # and templates at the start (${VAR}, $(cmd), %(name)s, {x}, <token>, [list], (expr)
    r"^_?[a-z]+\d*(?:_+[a-z]*\d*)*$|^_\w+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z][A-Za-z]+$"
    r"|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[a-z][a-z0-9_]*(?:[./-][a-z][a-z0-9_]*)+$|^/|^urn:"
    r"|^[A-Za-z_][\w.]*[(\[]$|^[$%{<\[(]|\$[{(]|%\(\w+\)"
    r"|^[a-z]+(?:[A-Z][a-z]+)+$|^[A-Z][a-z0-9]*(?:-[A-Z][a-z0-9]*)+$"
)
_CODE = re.compile(r"[(){}<>$%\[\]]")  # in code (not a literal): a call, subscript, generic ...
_SECRET_NAME = re.compile(
    r"(?i)(?:^|_)(?:SECRET|TOKEN|PASS(?:WORD|WD|PHRASE)?|PWD|API_?KEY|(?:ACCESS|PRIVATE|AUTH)_KEY|"
    r"CREDENTIALS?)(?:_|$)"
)


def _real_value(value: str, literal: bool) -> bool:
    """A value that is neither a placeholder, a number, a name nor a reference to something
    else. ``literal``: a quoted string or a ``.env`` line's value, whose brackets and sigils
    are characters (``Xk9$mQ2!pL7z``, ``abc(123)XYZ!``); elsewhere they are code."""
    url_without_credentials = "://" in value and "@" not in value
    if len(value) < 8 or value.isdigit() or len(set(value)) < 4 or url_without_credentials:
        return False
    if _PLACEHOLDER.search(value) is not None or _NAME_LIKE.search(value) is not None:
        return False
    return literal or _CODE.search(value) is None


_KEYWORDS = ("secret", "token", "pass", "pwd", "apikey", "_key", "credential")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NAME_TAIL = re.compile(r"\w*")
_VALUE = re.compile(r"[\"']?[ \t]*[=:][ \t]*([\"']?)([^\s\"'`#,;][^\s\"'`,;]*)")  # "#…": a comment


def _name_span(lowered: str, at: int) -> tuple[int, int]:
    """Where the identifier around position ``at`` starts and ends."""
    start = at
    while start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
        start -= 1
    tail = _NAME_TAIL.match(lowered, at)
    return start, tail.end() if tail is not None else at


def _assigned(text: str, start: int, end: int) -> bool:
    """The name ``text[start:end]`` is secret-like and assigned a real value right after."""
    value = _VALUE.match(text, end)
    if value is None:
        return False
    # a literal: quoted, or a .env line's (NAME=value: an upper-case name, = right after it)
    env_line = text[end : end + 1] == "=" and text[start:end].isupper()
    if not _real_value(value.group(2), bool(value.group(1)) or env_line):
        return False
    return _SECRET_NAME.search(text[start:end]) is not None


@dataclass(frozen=True, slots=True)
class AssignmentDetector:
    """``export API_KEY=...``, ``password: ...``, ``"token": "..."``: a secret-like name
    given a value that is not a placeholder, a number or a reference (``${VAR}``,
    ``os.environ[...]``, ``settings.token``); only names around keywords are read."""

    name: str = "env-assignment"

    def found(self, text: str) -> bool:
        if "=" not in text and ":" not in text:  # no assignment without one (see _VALUE)
            return False
        lowered = text.lower()
        if len(lowered) != len(text):  # a rare character (İ) lowers to two: keep indices
            lowered = text.translate(_ASCII_LOWER)
        for keyword in _KEYWORDS:
            at = lowered.find(keyword)
            while at != -1:
                start, end = _name_span(lowered, at)
                if _assigned(text, start, end):
                    return True
                at = lowered.find(keyword, end)
        return False


def _standalone(match: re.Match[str]) -> bool:
    """Not the tail of a longer word (patterns start with a literal, found fast; \\b is not)."""
    start = match.start()
    return start == 0 or not match.string[start - 1].isalnum()


def _aws_key_id(match: re.Match[str]) -> bool:
    return _standalone(match) and "EXAMPLE" not in match.group(0)


def _stripe(match: re.Match[str]) -> bool:
    at = match.start() - 1  # the pattern starts at the k of sk_ or rk_
    return at >= 0 and match.string[at] in "sr" and (at == 0 or not match.string[at - 1].isalnum())


def _not_example(match: re.Match[str]) -> bool:
    return "EXAMPLE" not in match.group(0).upper()


def _url_password(match: re.Match[str]) -> bool:
    """``scheme://user:password@host`` with a password that is neither the user's name, a
    placeholder (``password``, ``changeme``, ``example``) nor a reference (``${DB_PASS}``)."""
    user, password = match.group(1), match.group(2)
    if password == user or len(set(password)) < 3 or _PLACEHOLDER.search(password) is not None:
        return False
    return not any(c in password for c in "${}%*")


# (name, pattern, hints, check, the shortest match: checked against the pattern by the tests)
_SHAPES: tuple[tuple[str, str, tuple[str, ...], Check | None, int], ...] = (
    ("private-key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", (), None, 27),
    ("aws-access-key", r"A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])", (),
     _aws_key_id, 20),
    ("aws-secret-key", r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?"
     r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
     ("aws_secret", "AWS_SECRET", "awsSecret", "AwsSecret"), _not_example, 53),
    ("gcp-service-account", r"\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\"", (), None, 59),
    ("google-api-key", r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", (), _standalone, 39),
    ("github-token", r"g(?:h[pousr]_[A-Za-z0-9]{36,255}|ithub_pat_[A-Za-z0-9_]{80,255})(?!\w)",
     (), _standalone, 40),
    ("gitlab-token", r"gl(?:pat|ptt|dt|rt)-[A-Za-z0-9_-]{20,}", (), _standalone, 25),
    ("slack-token", r"xox[abposr]-[A-Za-z0-9-]{10,}", (), _standalone, 15),
    ("slack-webhook", r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
     (), None, 55),
    ("stripe-key", r"k_(?:live|test)_[A-Za-z0-9]{20,}", (), _stripe, 27),
    ("anthropic-key", r"sk-ant-[a-z]+\d*-[A-Za-z0-9_-]{32,}", (), _standalone, 41),
    ("openai-key", r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"
     r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}(?![A-Za-z0-9]))", (), _standalone, 48),
    ("jwt", r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", (),
     _standalone, 38),
    ("npm-token", r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", (), _standalone, 40),
    ("pypi-token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", (), _standalone, 70),
    ("huggingface-token", r"hf_[A-Za-z0-9]{34}(?![A-Za-z0-9])", (), _standalone, 37),
    ("sendgrid-key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", (),
     _standalone, 69),
    ("digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}(?![a-f0-9])", (), _standalone, 71),
    ("azure-storage-key", r"AccountKey=[A-Za-z0-9+/]{86}==", (), None, 99),
    ("url-credentials", r"://([^\s/@:\"'`<>]{0,128}):([^\s/@\"'`<>]{6,256})@[A-Za-z0-9\[]",
     (), _url_password, 12),
)  # fmt: skip
_BUILTIN: tuple[Detector, ...] = (
    *(
        PatternDetector(name, re.compile(rx), hints, check, least)
        for name, rx, hints, check, least in _SHAPES
    ),
    AssignmentDetector(),
    EntropyDetector(),
)

_registry: dict[str, Detector] = {d.name: d for d in _BUILTIN}
DETECTORS: Mapping[str, Detector] = MappingProxyType(_registry)


# A text this long is scanned once per process while it stays in the cache: a system prompt
# and a client's tool definitions repeat, unchanged, from session to session.
CACHED_CHARS = (2_048, 65_536)


def register(detector: Detector) -> None:
    """Add (or replace) a detector; its name is then usable in a rule's ``secrets = [...]``."""
    _registry[detector.name] = detector
    _scan_cached.cache_clear()


def scan(text: str, detectors: Iterable[Detector] | None = None) -> tuple[str, ...]:
    """The names of the detectors that found a secret in ``text``, in registry order."""
    if not text:
        return ()
    if detectors is None and CACHED_CHARS[0] <= len(text) <= CACHED_CHARS[1]:
        return _scan_cached(text)
    return _scan(text, detectors)


@lru_cache(maxsize=256)
def _scan_cached(text: str) -> tuple[str, ...]:
    return _scan(text, None)


def _scan(text: str, detectors: Iterable[Detector] | None) -> tuple[str, ...]:
    chosen = _registry.values() if detectors is None else detectors
    size = len(text)
    return tuple([d.name for d in chosen if getattr(d, "min_length", 0) <= size and d.found(text)])
