"""A featurized request as model columns: shared by training (the design matrix) and scoring.

Term columns are the request's in-vocabulary words, then its bigrams (keys ``first * len(words)
+ second`` found in the model's sorted bigram array), then its agent-kind term; their values are
log counts, L2-normalized. The dense row is the standardized dense counts, the agent features and
a 1 for the format's intercept.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fulcrum.routing.learned.features import Featurized

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
