"""Train the learned router: outcome rows in, :class:`ModelParams` out. numpy only, deterministic.

The label is the frontier's gain on the prompt, ``(1 + (strong − weak) / range) / 2`` with
``range`` 1 for 0–1 scores and the observed score range of the row's benchmark otherwise (a
1–10 judge). A logistic regression with soft labels estimates its mean, so ranking by the score
is ranking by the expected gain — the order the APGR metric rewards. A prompt both models pass
or both fail teaches "no gain" (0.5), one only the local model passes teaches "keep it local".

The fit: the cross-entropy averaged over rows plus ``l2/2 · |w|²``, full-batch Adam for a fixed
number of iterations from zeros (no randomness: the same data gives the same file). Each row's
features appear twice, in the shared block and in its format's block (see :mod:`.features`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from fulcrum.routing.learned.data import Example
from fulcrum.routing.learned.encoding import FloatArray, encode, word_index
from fulcrum.routing.learned.features import DENSE_NAMES, FORMATS, Featurized, featurize
from fulcrum.routing.learned.model import N_EXTRA, ModelParams


@dataclass(frozen=True, slots=True)
class TrainConfig:
    min_count: int = 2  # a term must occur in at least this many training prompts
    l2: float = 3e-4  # on the term weights
    l2_dense: float = 1e-2  # on the dense, agent and intercept weights
    iterations: int = 300
    learning_rate: float = 0.1


def targets(examples: Sequence[Example]) -> FloatArray:
    """The soft label of each example (see the module docstring)."""
    ranges: dict[str, float] = {}
    for bench in {e.benchmark for e in examples}:
        scores = [s for e in examples if e.benchmark == bench for s in (e.strong, e.weak)]
        low, high = min(scores), max(scores)
        inside = low >= 0.0 and high <= 1.0
        ranges[bench] = 1.0 if inside or high == low else high - low
    gain = np.array([(e.strong - e.weak) / ranges[e.benchmark] for e in examples])
    return np.clip((1.0 + gain) / 2.0, 0.0, 1.0)


def build_vocab(
    feats: Sequence[Featurized], min_count: int
) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Words (and agent kinds), then bigrams of those words, seen in ``min_count`` prompts."""
    df: Counter[bytes] = Counter()
    for f in feats:
        df.update({*f.tokens, *([f.kind.encode()] if f.kind else [])})
    words = sorted(t for t, n in df.items() if n >= min_count)
    index = {w: i for i, w in enumerate(words)}
    pairs: Counter[int] = Counter()
    for f in feats:
        ids = [index.get(t, -1) for t in f.tokens]
        pairs.update({a * len(words) + b for a, b in pairwise(ids) if a >= 0 and b >= 0})
    bigrams = np.array(sorted(k for k, n in pairs.items() if n >= min_count), dtype=np.int64)
    return [w.decode() for w in words], bigrams


@dataclass(frozen=True, slots=True)
class Design:
    """A sparse design matrix as (row, column, value) triples."""

    rows: npt.NDArray[np.intp]
    cols: npt.NDArray[np.intp]
    vals: FloatArray
    n_rows: int
    n_cols: int

    def dot(self, w: FloatArray) -> FloatArray:
        out = np.bincount(self.rows, weights=self.vals * w[self.cols], minlength=self.n_rows)
        return out.astype(np.float64, copy=False)

    def tdot(self, r: FloatArray) -> FloatArray:
        out = np.bincount(self.cols, weights=self.vals * r[self.rows], minlength=self.n_cols)
        return out.astype(np.float64, copy=False)


def design(
    feats: Sequence[Featurized],
    vocab: tuple[list[str], npt.NDArray[np.int64]],
    mean: FloatArray,
    std: FloatArray,
) -> Design:
    words, bigrams = vocab
    index = word_index(words)
    n_terms = len(words) + len(bigrams)
    width = n_terms + N_EXTRA
    extra_cols = n_terms + np.arange(N_EXTRA)
    rows, cols, vals = [], [], []
    for i, f in enumerate(feats):
        term_cols, term_vals, extra = encode(f, index, bigrams, mean, std)
        c = np.concatenate((term_cols, extra_cols))
        v = np.concatenate((term_vals, extra))
        block = (1 + FORMATS.index(f.format)) * width
        rows.append(np.full(2 * len(c), i, dtype=np.intp))
        cols.append(np.concatenate((c, c + block)))
        vals.append(np.concatenate((v, v)))
    return Design(
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        vals=np.concatenate(vals),
        n_rows=len(feats),
        n_cols=(1 + len(FORMATS)) * width,
    )


def fit(x: Design, y: FloatArray, config: TrainConfig, l2: FloatArray) -> tuple[FloatArray, float]:
    """Weights and bias of the L2-regularized logistic regression (soft labels), by Adam."""
    w = np.zeros(x.n_cols)
    m, v = np.zeros(x.n_cols), np.zeros(x.n_cols)
    b, mb, vb = 0.0, 0.0, 0.0
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, config.learning_rate
    for step in range(1, config.iterations + 1):
        p = 1.0 / (1.0 + np.exp(-np.clip(x.dot(w) + b, -30.0, 30.0)))
        r = (p - y) / x.n_rows
        g = x.tdot(r) + l2 * w
        gb = float(r.sum())
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb * gb
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        w -= lr * (m / c1) / (np.sqrt(v / c2) + eps)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + eps)
    return w, b


def train(examples: Sequence[Example], config: TrainConfig | None = None) -> ModelParams:
    """Fit a model on ``examples``; the file's ``meta`` records what it was trained on."""
    config = config or TrainConfig()
    feats = [featurize(e.prompt, e.agent) for e in examples]
    vocab = build_vocab(feats, config.min_count)
    stack = np.array([f.dense for f in feats]).reshape(len(feats), len(DENSE_NAMES))
    mean = stack.mean(axis=0)
    std = stack.std(axis=0)
    std[std < 1e-9] = 1.0
    n_terms = len(vocab[0]) + len(vocab[1])
    l2 = np.tile(
        np.r_[np.full(n_terms, config.l2), np.full(N_EXTRA, config.l2_dense)], 1 + len(FORMATS)
    )
    w, b = fit(design(feats, vocab, mean, std), targets(examples), config, l2)
    benchmarks = Counter(e.benchmark for e in examples)
    meta = {
        "rows": len(examples),
        "benchmarks": dict(sorted(benchmarks.items())),
        "config": {k: getattr(config, k) for k in config.__dataclass_fields__},
        "label": "(1 + (strong - weak) / range) / 2",
    }
    words, bigrams = vocab
    weights = w.reshape(1 + len(FORMATS), len(words) + len(bigrams) + N_EXTRA)
    return ModelParams(words, bigrams, weights=weights, bias=b, mean=mean, std=std, meta=meta)
