"""High-entropy tokens: the secrets detector for credentials of no known shape.

A token is flagged when it looks machine-random (:func:`high_entropy_token`) and is none of
what coding sessions are full of (hex digests, UUIDs, integrity hashes, base64 of text,
identifiers and paths). :class:`EntropyDetector` finds the candidate runs on a byte mask of
the text; :mod:`fulcrum.routing.secrets` registers it beside the shaped detectors.
"""

from __future__ import annotations

import binascii
import math
import re
import string
from base64 import b64decode
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

ENTROPY_MIN_LENGTH = 32
ENTROPY_MARGIN = 0.4  # bits below the entropy expected of random base62 text of that length
ENTROPY_SWITCH_RATE = 0.45  # see _switch_rate
_HEXISH = re.compile(r"[0-9a-fA-F-]+")
_DIGEST_PREFIX = ("sha1-", "sha256-", "sha384-", "sha512-")  # integrity="sha512-..."


def shannon_bits(token: str) -> float:
    """Shannon entropy of the token's characters, in bits per character."""
    n = len(token)
    return -sum(c / n * math.log2(c / n) for c in Counter(token).values())


def _base64_of_text(token: str) -> bool:
    """True when the token decodes as base64 to mostly printable text (base64 of prose)."""
    padded = token + "=" * (-len(token) % 4)
    try:
        raw = b64decode(padded, altchars=b"-_" if ("-" in token or "_" in token) else None)
    except (binascii.Error, ValueError):
        return False
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in raw)
    return bool(raw) and printable >= 0.85 * len(raw)


def high_entropy_token(token: str) -> bool:
    """A token that looks machine-random: at least :data:`ENTROPY_MIN_LENGTH` characters with
    upper-case letters, lower-case letters and digits, an entropy within
    :data:`ENTROPY_MARGIN` bits of random base62 text of its length, character classes that
    change as often as in random text — and none of what coding sessions are full of: hex
    digests (sha256 lock hashes, git ids), UUIDs, ``sha512-`` integrity hashes, base64 of
    ordinary text, CamelCase identifiers and paths."""
    short = len(token) < ENTROPY_MIN_LENGTH
    if short or token.startswith(_DIGEST_PREFIX) or _HEXISH.fullmatch(token) is not None:
        return False
    if token.islower() or token.isupper() or not any(ch.isdigit() for ch in token):
        return False
    random_bits = math.log2(62) - 61 / (2 * len(token) * math.log(2))  # Miller–Madow mean
    if shannon_bits(token) < random_bits - ENTROPY_MARGIN:
        return False
    return _switch_rate(token) >= ENTROPY_SWITCH_RATE and not _base64_of_text(token)


def _switch_rate(token: str) -> float:
    """How often the class (upper, lower, digit) changes from one letter or digit to the next
    (separators left out): about 0.62 in random base62, about 0.3 in names and paths."""
    kinds = [0 if c.isupper() else 1 if c.islower() else 2 for c in token if c.isalnum()]
    return sum(a != b for a, b in pairwise(kinds)) / (len(kinds) - 1)


_TOKEN_CHARS = (string.ascii_letters + string.digits + "_+/-").encode()
_MASK = bytes(97 if i in _TOKEN_CHARS else 32 for i in range(256))  # token char -> "a"
_RUN = b"a" * ENTROPY_MIN_LENGTH
ENTROPY_MAX_LENGTH = 512  # longer runs are blobs (inline images, bundles), not credentials
_LABELS = (b";base64,", b"h1:", b"sha1:", b"sha256:", b"sha384:", b"sha512:")
_WRAP_WIDTHS = (64, 76)
_NL = ord("\n")
_EOL = b"\r\n"


@dataclass(frozen=True, slots=True)
class EntropyDetector:
    """Machine-random tokens (:func:`high_entropy_token`); long runs of token characters
    are found on a byte mask of the text (``translate`` and ``find`` run in C)."""

    name: str = "high-entropy"
    min_length: int = ENTROPY_MIN_LENGTH  # no run of that many token characters in less

    def found(self, text: str) -> bool:
        raw = text.encode("utf-8", "surrogatepass")
        mask = raw.translate(_MASK) + b" "  # every run ends at a space
        at = mask.find(_RUN)
        while at != -1:
            end = mask.find(b" ", at)
            if end - at <= ENTROPY_MAX_LENGTH and _credential(raw, mask, at, end):
                return True
            at = mask.find(_RUN, end)
        return False


def _credential(raw: bytes, mask: bytes, at: int, end: int) -> bool:
    token = raw[at:end].decode()
    return high_entropy_token(token) and not _labelled(raw, at) and not _wrapped(raw, mask, at, end)


def _labelled(raw: bytes, at: int) -> bool:
    """A run a label names as data, not a credential: a data URI's payload (``;base64,``) or
    a module hash (``h1:`` in go.sum, ``sha256:``/``sha512:`` ...)."""
    return raw[max(at - 8, 0) : at].endswith(_LABELS)


def _wrapped(raw: bytes, mask: bytes, at: int, end: int) -> bool:
    """A whole line of a wrapped base64 block (``base64`` output, MIME: 76 columns; PEM and
    OpenSSL: 64): the run is a line of one of those widths with another run right below it,
    or is the line below one."""
    if at > 0 and raw[at - 1] != _NL:
        return False
    if end < len(raw) and raw[end] not in _EOL:
        return False
    below = end + (2 if raw[end : end + 2] == b"\r\n" else 1)
    if end - at in _WRAP_WIDTHS and mask[below : below + 1] == b"a":
        return True
    above_end = at - (2 if raw[at - 2 : at] == b"\r\n" else 1)
    above = raw.rfind(b"\n", 0, max(above_end, 0)) + 1
    width = above_end - above
    return at > 0 and width in _WRAP_WIDTHS and mask[above:above_end] == b"a" * width
