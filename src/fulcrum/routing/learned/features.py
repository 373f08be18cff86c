"""What the learned router sees of a request: words, a few dense counts, the prompt's format and
the agent's state. Pure, no I/O; the same code featurizes at training and at scoring time.

- The text is capped at :data:`TEXT_CAP` characters (the first and the last ``TEXT_CAP // 2``
  when longer): a task statement sits at the start of a long turn, the question after pasted
  context at its end. Only the full length is taken from the whole text.
- Words: the UTF-8 bytes, ASCII-lower-cased, split at whitespace and ASCII punctuation (which
  the dense counts see instead); unigrams and bigrams. The model keeps a vocabulary of them; a
  token outside it is ignored. Bytes rather than ``str`` and no regular expression: this is
  the costly step, and it runs on every request.
- Dense: log counts of characters of interest (digits, capitals, maths and code symbols...) from
  one byte histogram, and of tokens (numbers, number words, distinct words).
- Format (:func:`prompt_format`): ``choice`` (at least two lettered options), ``code`` or
  ``open``. The model has shared weights plus one weight set per format (feature augmentation),
  so what predicts difficulty in a multiple-choice quiz need not carry over to a word problem.
- Agent: request kind (a term of its own, ``agent-kind:<kind>``), tool count, token count,
  turn number, recent tool errors; all absent (zero) when unknown, as in the public data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TEXT_CAP = 2_000
FORMATS: tuple[str, ...] = ("choice", "code", "open")
KIND_TERM = "agent-kind:"  # holds a ":", so it never comes out of a text's tokens
_CHOICE = re.compile(r"(?m)^[ \t]*\(?[A-Da-d][.)][ \t]")
_CODE_HINTS = ("```", "def ", "function ", "class ", "import ", "#include", "=>", "};")
# what tokens keep: ASCII letters and digits, and every non-ASCII byte (UTF-8 sequences)
_SPLIT = bytes(c if c >= 128 or chr(c).isalnum() else 32 for c in range(256))
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


def _classes(*groups: str) -> npt.NDArray[np.float64]:
    """A (256, len(groups)) 0/1 matrix: byte histogram @ matrix = the count of each group."""
    out = np.zeros((256, len(groups)))
    for j, chars in enumerate(groups):
        out[[ord(c) for c in chars], j] = 1.0
    return out


# digits, capitals, sentence ends, ?, comma, %, $, maths, code, newline (DENSE_NAMES order)
_CLASSES = _classes(
    "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", ".?!", "?", ",", "%", "$", "+-*/=^<>",
    "{}();_[]", "\n",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
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
    return raw.lower().translate(_SPLIT).split()


def prompt_format(text: str) -> str:
    """``choice``, ``code`` or ``open``: the prompt's format, from its (capped) text."""
    if ("B." in text or "B)" in text) and len(_CHOICE.findall(text)) >= 2:
        return "choice"
    if any(hint in text for hint in _CODE_HINTS):
        return "code"
    return "open"


def _decimals(codes: npt.NDArray[np.uint8]) -> int:
    """How many ``.`` or ``,`` sit between two digits (3.5, 1,200)."""
    digit = (codes >= 48) & (codes <= 57)
    point = (codes == 46) | (codes == 44)
    return int(np.count_nonzero(point[1:-1] & digit[:-2] & digit[2:]))


def dense(raw: bytes, full_length: int, toks: list[bytes]) -> npt.NDArray[np.float64]:
    """The :data:`DENSE_NAMES` values (log counts), before standardization."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    hist = np.bincount(codes, minlength=256)
    out = np.empty(len(DENSE_NAMES))
    out[0] = full_length
    out[1] = len(toks)
    out[2] = sum(map(bytes.isdigit, toks))
    out[3] = len(NUMBER_WORDS.intersection(toks))
    out[4] = 0.0
    out[5:15] = hist @ _CLASSES
    out[15] = _decimals(codes)
    out[16] = hist[128:].sum()
    np.log1p(out, out=out)
    out[4] = len(set(toks)) / max(len(toks), 1)
    return out


def agent_vector(agent: AgentFeatures | None) -> npt.NDArray[np.float64]:
    """The :data:`AGENT_NAMES` values; all zero when the agent's state is unknown."""
    if agent is None:
        return np.zeros(len(AGENT_NAMES))
    values = (agent.tools, agent.tokens, agent.turn, agent.tool_errors)
    return np.array([1.0, *(math.log1p(max(v, 0)) for v in values)])


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
