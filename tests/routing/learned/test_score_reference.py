"""``LearnedRouter.score`` against a frozen copy of its first, plain numpy implementation: the
fast path may reorder the arithmetic, never change a score (within 1e-9), on the shipped model
and on one trained with agent columns and agent-kind terms."""

from __future__ import annotations

import csv
import math
import random
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from fulcrum.routing.learned import AgentFeatures, LearnedRouter, load_default
from fulcrum.routing.learned.data import read_examples
from fulcrum.routing.learned.features import FORMATS
from fulcrum.routing.learned.model import ModelParams
from fulcrum.routing.learned.train import train

Floats = npt.NDArray[np.float64]

# --- the reference: the first implementation, kept as it was -------------------------------
_CHOICE = re.compile(r"(?m)^[ \t]*\(?[A-Da-d][.)][ \t]")
_HINTS = ("```", "def ", "function ", "class ", "import ", "#include", "=>", "};")
_SPLIT = bytes(c if c >= 128 or chr(c).isalnum() else 32 for c in range(256))
_NUMBER_WORDS = frozenset(
    b"one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty "
    b"forty fifty hundred thousand million half twice double triple third quarter dozen".split()
)
_GROUPS = ("0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", ".?!", "?", ",", "%", "$", "+-*/=^<>",
           "{}();_[]", "\n")  # fmt: skip
_CLASSES = np.zeros((256, len(_GROUPS)))
for _j, _chars in enumerate(_GROUPS):
    _CLASSES[[ord(c) for c in _chars], _j] = 1.0


def _format(text: str) -> str:
    if ("B." in text or "B)" in text) and len(_CHOICE.findall(text)) >= 2:
        return "choice"
    return "code" if any(hint in text for hint in _HINTS) else "open"


def _dense(raw: bytes, full_length: int, toks: list[bytes]) -> Floats:
    codes = np.frombuffer(raw, dtype=np.uint8)
    hist = np.bincount(codes, minlength=256)
    digit = (codes >= 48) & (codes <= 57)
    point = (codes == 46) | (codes == 44)
    out = np.empty(17)
    out[0], out[1] = full_length, len(toks)
    out[2] = sum(map(bytes.isdigit, toks))
    out[3] = len(_NUMBER_WORDS.intersection(toks))
    out[4] = 0.0
    out[5:15] = hist @ _CLASSES
    out[15] = int(np.count_nonzero(point[1:-1] & digit[:-2] & digit[2:]))
    out[16] = hist[128:].sum()
    np.log1p(out, out=out)
    out[4] = len(set(toks)) / max(len(toks), 1)
    return out


def _terms(
    toks: list[bytes], kind: str | None, index: dict[bytes, int], bigrams: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], Floats]:
    words = np.array([index.get(t, -1) for t in toks], dtype=np.int64)
    parts = [words[words >= 0]]
    if len(words) > 1 and len(bigrams):
        first, second = words[:-1], words[1:]
        keys = (first * len(index) + second)[(first >= 0) & (second >= 0)]
        pos = np.minimum(np.searchsorted(bigrams, keys), len(bigrams) - 1)
        parts.append(len(index) + pos[bigrams[pos] == keys])
    if kind is not None and (col := index.get(kind.encode())) is not None:
        parts.append(np.array([col], dtype=np.int64))
    cols, counts = np.unique(np.concatenate(parts), return_counts=True)
    values = np.log1p(counts.astype(np.float64))
    return cols, values / np.sqrt(values @ values) if len(values) else values


def reference_score(p: ModelParams, text: str, agent: AgentFeatures | None) -> float:
    capped = text if len(text) <= 2000 else text[:1000] + "\n" + text[-1000:]
    raw = capped.encode("utf-8", "replace")
    toks = raw.lower().translate(_SPLIT).split()
    fmt = _format(capped)
    if agent is None:
        extra_agent, kind = np.zeros(5), None
    else:
        values = (agent.tools, agent.tokens, agent.turn, agent.tool_errors)
        extra_agent = np.array([1.0, *(math.log1p(max(v, 0)) for v in values)])
        kind = "agent-kind:" + agent.kind
    index = {w.encode(): i for i, w in enumerate(p.words)}
    cols, values = _terms(toks, kind, index, p.bigrams)
    extra = np.concatenate(((_dense(raw, len(text), toks) - p.mean) / p.std, extra_agent, [1.0]))
    row = p.weights[0] + p.weights[1 + FORMATS.index(fmt)]
    z = p.bias + row[cols] @ values + row[p.n_terms :] @ extra
    return float(1.0 / (1.0 + np.exp(-min(max(z, -500.0), 500.0))))


# --- varied texts and agents ------------------------------------------------------------------
PIECES = (
    "the", "a", "of", "how", "many", "Prove", "integral", "capital", "one", "twelve", "half",
    "dozen", "12", "3.5", "1,200", "7.2.3", "$40", "15%", "x^2", "a+b=c", "{x}", "f(x);", "[1]",
    "\n", "\n\n", "?", "!", ".", ",", "A.", "B)", "\nA. yes\nB. no\n", "```py\n", "def f():",
    "import os", "=>", "};", "#include", "über", "naïve", "東京", "İstanbul", "😀", "\t", "  ",
    "Traceback (most recent call last):", "ValueError", "self.items", "parse_42", "HTTP",
)  # fmt: skip
EDGES = (
    "",
    " ",
    "hi",
    "Say hello in five words.",
    "x" * 50_000,
    "ü" * 3000,
    "İ" * 10,
    "bad \ud800 surrogate",
    "Q?\nA. 1\nB. 2\nC. 3",
    "1.2.3.4,5,6",
    "a a a a " * 600,
    "one two three " * 300 + "?" * 900,
    "9" * 2001,
    ". , ." * 700,
)
AGENTS = (
    None, AgentFeatures(), AgentFeatures(kind="subagent", tools=3, tool_errors=1),
    AgentFeatures(kind="background", tokens=150_000, turn=40), AgentFeatures(kind="zzz", tools=-5),
    AgentFeatures(kind="main", tools=17, tokens=900, turn=6, tool_errors=4),
)  # fmt: skip


def varied_texts(n: int = 300, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    texts = list(EDGES)
    while len(texts) < n:
        size = rng.choice((3, 10, 40, 150, 400, 900))
        words = rng.choices(PIECES, k=size)
        texts.append("".join(w + rng.choice((" ", " ", "", "\n", ", ")) for w in words))
    return texts


def _agent_model(tmp_path: Path) -> LearnedRouter:
    data = tmp_path / "agent.csv"
    rng = random.Random(5)
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "strong_score", "weak_score", "kind", "tool_errors", "turn"])
        for i in range(300):
            errors, kind = i % 3, ("main", "subagent", "background")[i % 3 == 1]
            prompt = " ".join(rng.choices(PIECES, k=rng.randint(3, 30)))
            writer.writerow([prompt, 1, 0 if errors else 1, kind, errors, i % 11])
    router = LearnedRouter(train(read_examples([data])), "agent")
    assert any(w.startswith("agent-kind:") for w in router.params.words)
    return router


@pytest.mark.parametrize("which", ["shipped", "agent"])
def test_scores_match_the_reference(which: str, tmp_path: Path) -> None:
    router = load_default() if which == "shipped" else _agent_model(tmp_path)
    worst = 0.0
    for n, text in enumerate(varied_texts()):
        for agent in (AGENTS[n % len(AGENTS)], None):
            want = reference_score(router.params, text, agent)
            got = router.score(text, agent)
            assert isinstance(got, float)
            worst = max(worst, abs(got - want))
    assert worst <= 1e-9
