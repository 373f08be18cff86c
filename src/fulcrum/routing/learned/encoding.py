"""A featurized request as model columns: shared by training (the design matrix) and scoring.

Term columns are the request's in-vocabulary words, then its bigrams (keys ``first * len(words)
+ second`` found in the model's sorted bigram array), then its agent-kind term; their values are
log counts, L2-normalized. The dense row is the standardized dense counts, the agent features and
a 1 for the format's intercept.

:class:`TermWeights` is the same sum for one request at scoring time, without arrays: per
request it does a dictionary look-up per distinct word and per adjacent pair (those in C), and
works per distinct term after that.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Mapping
from itertools import islice

import numpy as np
import numpy.typing as npt

from fulcrum.routing.learned.features import KIND_TERM, Featurized

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def word_index(words: list[str]) -> dict[bytes, int]:
    return {w.encode(): i for i, w in enumerate(words)}


def term_ids(feat: Featurized, index: dict[bytes, int], bigrams: IntArray) -> IntArray:
    """The columns of the request's in-vocabulary words, bigrams and agent kind (repeats kept)."""
    get = index.get
    words = np.array([get(t, -1) for t in feat.tokens], dtype=np.int64)
    parts = [words[words >= 0]]
    if len(words) > 1 and len(bigrams):
        first, second = words[:-1], words[1:]
        keys = (first * len(index) + second)[(first >= 0) & (second >= 0)]
        pos = np.minimum(np.searchsorted(bigrams, keys), len(bigrams) - 1)
        parts.append(len(index) + pos[bigrams[pos] == keys])
    if feat.kind is not None and (kind := get(feat.kind.encode())) is not None:
        parts.append(np.array([kind], dtype=np.int64))
    return np.concatenate(parts)


def term_values(ids: IntArray) -> tuple[IntArray, FloatArray]:
    """Distinct columns and their L2-normalized log counts (``ids`` is sorted in place)."""
    if len(ids) == 0:
        return ids, np.zeros(0)
    # np.unique(ids, return_counts=True) without its overhead: this runs on every request
    ids.sort()
    first = np.empty(len(ids), dtype=np.bool_)
    first[0] = True
    np.not_equal(ids[1:], ids[:-1], out=first[1:])
    counts = np.diff(np.append(np.flatnonzero(first), len(ids)))
    values = np.log1p(counts.astype(np.float64))
    values /= np.sqrt(values @ values)
    return ids[first], values


def encode(
    feat: Featurized,
    index: dict[bytes, int],
    bigrams: IntArray,
    mean: FloatArray,
    std: FloatArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The request's term columns and values, and its dense row (dense, agent, intercept)."""
    cols, values = term_values(term_ids(feat, index, bigrams))
    extra = np.concatenate(((feat.dense - mean) / std, feat.agent, (1.0,)))
    return cols, values, extra


_LOGS = [math.log1p(n) for n in range(256)]  # the log counts of most terms, looked up
_LOGGED = len(_LOGS)
_LOG2 = _LOGS[1]  # the log count of a term seen once


class TermWeights:
    """``term weights · term values`` of a request, per format row of ``rows`` (one row of
    term weights per format): words and bigrams are looked up in dictionaries built once.

    The dictionaries hold a term's column + 1, so that no hit is falsy and ``filter(None, ...)``
    drops the misses in C; each row of weights starts with a 0 for the shift.
    """

    def __init__(self, words: list[str], bigrams: IntArray, rows: FloatArray) -> None:
        index = word_index(words)
        n = len(index)
        spelled = [b""] * n
        for word, i in index.items():
            spelled[i] = word
        self._words = {word: i + 1 for word, i in index.items()}
        self._pairs = {
            (spelled[key // n], spelled[key % n]): n + j + 1
            for j, key in enumerate(bigrams.tolist())
        }
        self._rows = [array("d", [0.0, *row]) for row in rows.tolist()]
        self._kinds = {  # the agent kinds' own terms, by kind
            word[len(KIND_TERM) :].decode(): slot
            for word, slot in self._words.items()
            if word.startswith(KIND_TERM.encode())
        }

    def dot(
        self, row: int, toks: list[bytes], counts: Mapping[bytes, int], kind: str | None
    ) -> float:
        """The row's weights times the request's L2-normalized log counts (``counts`` is
        ``Counter(toks)``; ``kind`` the agent's request kind, None when unknown).

        Distinct words are summed in a plain loop: a chain of ``map``/``filter``/``compress``
        steps built a list per step and cost more at every turn size, most of all on a cold
        cache (the serving process decides after other work has run). Adjacent pairs, as many
        as the tokens, are looked up in C, then summed at once when no pair repeats (each
        then counts once), else per distinct pair."""
        weights, words, logs = self._rows[row], self._words, _LOGS
        total = norm = 0.0
        for tok, n in counts.items():  # the distinct words
            if slot := words.get(tok):
                value = logs[n] if n < _LOGGED else math.log1p(n)
                total += weights[slot] * value
                norm += value * value
        pairs = zip(toks, islice(toks, 1, None), strict=False)
        hits = list(filter(None, map(self._pairs.get, pairs)))
        if kind is not None and (slot := self._kinds.get(kind)):
            hits.append(slot)  # the agent's kind: one more term, counted once
        if len(set(hits)) == len(hits):  # each pair once (the usual case): no counting
            total += sum(map(weights.__getitem__, hits)) * _LOG2
            norm += len(hits) * _LOG2 * _LOG2
        else:
            for slot, n in Counter(hits).items():
                value = logs[n] if n < _LOGGED else math.log1p(n)
                total += weights[slot] * value
                norm += value * value
        return total / math.sqrt(norm) if norm else 0.0
