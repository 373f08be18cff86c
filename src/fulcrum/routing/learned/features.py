"""What the learned router sees of a request: words, a few dense counts, the prompt's format and
the agent's state. Pure, no I/O; the same code featurizes at training and at scoring time.

- The text is capped at :data:`TEXT_CAP` characters (the first and the last ``TEXT_CAP // 2``
  when longer): a task statement sits at the start of a long turn, the question after pasted
  context at its end. Only the full length is taken from the whole text.
- Words: the UTF-8 bytes, ASCII-lower-cased, split at whitespace and ASCII punctuation (which
  the dense counts see instead); unigrams and bigrams. The model keeps a vocabulary of them; a
  token outside it is ignored. Bytes rather than ``str`` and no regular expression: this is
  the costly step, and it runs on every request.
- Dense: log counts of characters of interest (digits, capitals, maths and code symbols...),
  from one ``bytes.translate`` and a ``count`` per class, and of tokens (numbers, number words,
  distinct words), from the tokens' ``Counter`` the term columns use too.
- Format (:func:`prompt_format`): ``choice`` (at least two lettered options), ``code`` or
  ``open``. The model has shared weights plus one weight set per format (feature augmentation),
  so what predicts difficulty in a multiple-choice quiz need not carry over to a word problem.
- Agent: request kind (a term of its own, ``agent-kind:<kind>``), tool count, token count,
  turn number, recent tool errors; all absent (zero) when unknown, as in the public data.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TEXT_CAP = 2_000
FEW_TOKENS = 24  # see token_counts
FORMATS: tuple[str, ...] = ("choice", "code", "open")
KIND_TERM = "agent-kind:"  # holds a ":", so it never comes out of a text's tokens
_CHOICE = re.compile(r"(?m)^[ \t]*\(?[A-Da-d][.)][ \t]")
_OPTION_B = re.compile(r"B[.)]")
_CODE_HINTS = ("```", "def ", "function ", "class ", "import ", "#include", "=>", "};")
# a character of each hint that prose seldom holds: ``in`` finds one character with memchr,
# many times faster than it scans for a hint that is absent
_HINT_CHARS = ("`", " ", " ", " ", " ", "#", ">", "}")
# what tokens keep: ASCII letters (lower-cased) and digits, and every non-ASCII byte (UTF-8)
_SPLIT = bytes(c if c >= 128 or chr(c).isalnum() else 32 for c in range(256)).translate(
    bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
)
NUMBER_WORDS = frozenset(
    b"one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty "
    b"forty fifty hundred thousand million half twice double triple third quarter dozen".split()
)

DENSE_NAMES: tuple[str, ...] = (
    "chars",
    "tokens",
    "numbers",
    "number_words",
    "distinct_ratio",
    "digits",
    "capitals",
    "sentence_ends",
    "questions",
    "commas",
    "percent",
    "dollar",
    "math_symbols",
    "code_symbols",
    "newlines",
    "decimals",
    "non_ascii",
)
AGENT_NAMES: tuple[str, ...] = ("agent_known", "tools", "agent_tokens", "turn", "tool_errors")


# The characters the dense counts count, in classes; ``?`` is a sentence end and a question, so
# ".!" and "?" are counted apart and added. Each class has a code byte (its first character).
_CLASSES = ("0123456789", string.ascii_uppercase, ".!", "?", ",", "%", "$", "+-*/=^<>",
            "{}();_[]", "\n", bytes(range(128, 256)).decode("latin-1"))  # fmt: skip
_CLASS_CODES = tuple(chars[0].encode("latin-1") for chars in _CLASSES)


def _class_table() -> tuple[bytes, bytes]:
    """A translation of each counted byte to its class's code, and the bytes to delete."""
    table = bytearray(range(256))
    for chars in _CLASSES:
        for char in chars:
            table[ord(char)] = ord(chars[0])
    counted = {ord(char) for chars in _CLASSES for char in chars}
    return bytes(table), bytes(c for c in range(256) if c not in counted)


_CLASS, _UNCOUNTED = _class_table()
# digits -> "0", "." and "," -> ".", anything else -> " ": ``0.0`` is a decimal separator
_DECIMAL = bytes(
    48 if chr(c).isdigit() and c < 128 else 46 if c in b".," else 32 for c in range(256)
)


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class AgentFeatures:
    """The agent's state at the request; the gateway fills it, public data leaves it unknown."""

    kind: str = "main"
    tools: int = 0
    tokens: int = 0
    turn: int = 0
    tool_errors: int = 0


def cap_text(text: str, cap: int = TEXT_CAP) -> str:
    """The text itself, or its first and last ``cap // 2`` characters when longer."""
    if len(text) <= cap:
        return text
    half = cap // 2
    return text[:half] + "\n" + text[-half:]


def tokens(raw: bytes) -> list[bytes]:
    """The word and number tokens of UTF-8 text (ASCII lower-cased)."""
    return raw.translate(_SPLIT).split()


def token_counts(toks: list[bytes]) -> Mapping[bytes, int]:
    """``Counter(toks)``; a short list counted in a plain loop instead, which is quicker
    below about :data:`FEW_TOKENS` tokens than ``Counter``'s Python layers and type checks
    (a turn of a few words is common: "yes", "run the tests")."""
    if len(toks) > FEW_TOKENS:
        return Counter(toks)
    counts: dict[bytes, int] = {}
    get = counts.get
    for tok in toks:
        counts[tok] = get(tok, 0) + 1
    return counts


def prompt_format(text: str) -> str:
    """``choice``, ``code`` or ``open``: the prompt's format, from its (capped) text."""
    if "B" in text and _OPTION_B.search(text) and len(_CHOICE.findall(text)) >= 2:
        return "choice"
    for char, hint in zip(_HINT_CHARS, _CODE_HINTS, strict=True):
        if char in text and hint in text:
            return "code"
    return "open"


def _decimals(raw: bytes) -> int:
    """How many ``.`` or ``,`` sit between two digits (3.5, 1,200)."""
    marked = raw.translate(_DECIMAL)
    count, at = 0, marked.find(b"0.0")
    while at != -1:
        count += 1
        at = marked.find(b"0.0", at + 2)
    return count


def dense_values(
    raw: bytes, full_length: int, toks: list[bytes], counts: Mapping[bytes, int]
) -> list[float]:
    """The :data:`DENSE_NAMES` values (log counts), before standardization; ``counts`` is
    ``Counter(toks)``. Plain ``bytes`` operations: numpy's per-call cost outweighs its
    speed on arrays this small."""
    n = len(toks)
    kept = raw.translate(_CLASS, _UNCOUNTED)  # one byte per counted character: its class
    digits, capitals, ends, asks, commas, percent, dollar, maths, code, lines, non_ascii = map(
        kept.count, _CLASS_CODES
    )
    numbers = sum(map(counts.__getitem__, filter(bytes.isdigit, counts))) if digits else 0
    decimals = _decimals(raw) if digits > 1 and (ends or commas) else 0
    words = 0 if NUMBER_WORDS.isdisjoint(counts) else len(NUMBER_WORDS.intersection(counts))
    log1p = math.log1p
    return [
        log1p(full_length), log1p(n), log1p(numbers), log1p(words), len(counts) / max(n, 1),
        log1p(digits), log1p(capitals), log1p(ends + asks), log1p(asks), log1p(commas),
        log1p(percent), log1p(dollar), log1p(maths), log1p(code), log1p(lines), log1p(decimals),
        log1p(non_ascii),
    ]  # fmt: skip


def dense(raw: bytes, full_length: int, toks: list[bytes]) -> npt.NDArray[np.float64]:
    """:func:`dense_values` as an array."""
    return np.array(dense_values(raw, full_length, toks, Counter(toks)))


def agent_values(agent: AgentFeatures) -> list[float]:
    """The :data:`AGENT_NAMES` values of a known agent state."""
    log1p = math.log1p
    return [1.0, log1p(max(agent.tools, 0)), log1p(max(agent.tokens, 0)),
            log1p(max(agent.turn, 0)), log1p(max(agent.tool_errors, 0))]  # fmt: skip


def agent_vector(agent: AgentFeatures | None) -> npt.NDArray[np.float64]:
    """The :data:`AGENT_NAMES` values; all zero when the agent's state is unknown."""
    if agent is None:
        return np.zeros(len(AGENT_NAMES))
    return np.array(agent_values(agent))


@dataclass(frozen=True, slots=True)
class Featurized:
    """One request as the model reads it."""

    format: str
    tokens: list[bytes]
    kind: str | None  # the agent's request kind; None when unknown
    dense: npt.NDArray[np.float64]
    agent: npt.NDArray[np.float64]


def featurize(text: str, agent: AgentFeatures | None = None) -> Featurized:
    capped = cap_text(text)
    raw = capped.encode("utf-8", "replace")
    toks = tokens(raw)
    return Featurized(
        format=prompt_format(capped),
        tokens=toks,
        kind=None if agent is None else KIND_TERM + agent.kind,
        dense=dense(raw, len(text), toks),
        agent=agent_vector(agent),
    )
