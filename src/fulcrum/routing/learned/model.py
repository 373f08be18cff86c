"""The learned router's model: a logistic regression over :mod:`.features`, in one ``.npz`` file.

``score = sigmoid(bias + (shared + per-format weights) · x)``: ``x`` is the request's in-vocabulary
terms (log counts, L2-normalized), its standardized dense counts, its agent features and a 1 for
the format's own intercept. The score estimates ``(1 + E[strong − weak]) / 2`` on a 0–1 outcome
scale: above 0.5 the frontier is expected to do better, and ranking by it is ranking by the
expected gain of sending the request to the frontier.

The file holds ``words`` (unigrams and ``agent-kind:`` terms), ``bigrams`` (sorted keys
``first * len(words) + second`` over word indices), ``weights`` (``1 + len(FORMATS)`` rows:
shared, then one per format; columns: words, bigrams, :data:`DENSE_NAMES`, :data:`AGENT_NAMES`,
the intercept), ``bias``, ``mean`` and ``std`` (of the dense counts) and ``meta`` (JSON). Loading
checks them against this code; a file that does not fit raises :class:`ConfigError` naming it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from operator import mul
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fulcrum.errors import ConfigError, InputError
from fulcrum.routing.learned.encoding import FloatArray, TermWeights
from fulcrum.routing.learned.features import (
    AGENT_NAMES,
    DENSE_NAMES,
    FORMATS,
    TEXT_CAP,
    AgentFeatures,
    agent_values,
    cap_text,
    dense_values,
    prompt_format,
    token_counts,
    tokens,
)

FILE_FORMAT = "fulcrum-router/1"
DEFAULT_MODEL = "default_model.npz"
_KEYS = ("words", "bigrams", "weights", "bias", "mean", "std", "meta")
N_EXTRA = len(DENSE_NAMES) + len(AGENT_NAMES) + 1  # + the format's intercept


@dataclass(frozen=True, slots=True)
class ModelParams:
    """What training produces and the file stores."""

    words: list[str]
    bigrams: npt.NDArray[np.int64]
    weights: FloatArray  # (1 + len(FORMATS), len(words) + len(bigrams) + N_EXTRA)
    bias: float
    mean: FloatArray
    std: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_terms(self) -> int:
        return len(self.words) + len(self.bigrams)


class LearnedRouter:
    """P(the frontier is needed | request): load a model once, then :meth:`score` per request."""

    def __init__(self, params: ModelParams, version: str) -> None:
        self.params = params
        self.version = version
        # per format: shared + own weights, the standardization folded into the dense weights
        # and the bias (the same sum as over encode()'s row, with fewer steps per request);
        # plain lists and floats: numpy's per-call cost outweighs its speed at this size
        n, d = params.n_terms, len(DENSE_NAMES)
        rows = params.weights[0] + params.weights[1:]
        dense = rows[:, n : n + d] / params.std
        self._terms = TermWeights(params.words, params.bigrams, rows[:, :n])
        self._dense: list[list[float]] = dense.tolist()
        # None where the agent's weights are all zero (as in a model trained on public data)
        self._agent = [r.tolist() if np.any(r) else None for r in rows[:, n + d : -1]]
        self._bias = [
            params.bias + float(r[-1]) - float(w @ params.mean)
            for r, w in zip(rows, dense, strict=True)
        ]
        self._format = {f: i for i, f in enumerate(FORMATS)}

    @classmethod
    def load(cls, path: Path) -> LearnedRouter:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read the router model: {exc.strerror}") from exc
        return cls(read_params(data, str(path)), hashlib.sha256(data).hexdigest()[:12])

    def score(self, text: str, agent: AgentFeatures | None = None) -> float:
        """The score in [0, 1]; higher means send the request to the frontier."""
        capped = text if len(text) <= TEXT_CAP else cap_text(text)
        raw = capped.encode("utf-8", "replace")
        toks = tokens(raw)
        counts = token_counts(toks)
        i = self._format[prompt_format(capped)]
        z = self._bias[i] + sum(
            map(mul, self._dense[i], dense_values(raw, len(text), toks, counts))
        )
        kind = None
        if agent is not None:
            kind = agent.kind
            if (weights := self._agent[i]) is not None:
                z += sum(map(mul, weights, agent_values(agent)))
        z += self._terms.dot(i, toks, counts, kind)
        return 1.0 / (1.0 + math.exp(-min(max(z, -500.0), 500.0)))


def write_params(params: ModelParams, path: Path) -> str:
    """Write the model file; returns its version (a short hash of the bytes written)."""
    meta = {
        **params.meta,
        "format": FILE_FORMAT,
        "formats": list(FORMATS),
        "dense": list(DENSE_NAMES),
        "agent": list(AGENT_NAMES),
        "text_cap": TEXT_CAP,
    }
    arrays = {
        "words": np.array(params.words, dtype=np.str_),
        "bigrams": params.bigrams.astype(np.int64),
        "weights": params.weights.astype(np.float32),
        "bias": np.array([params.bias]),
        "mean": params.mean,
        "std": params.std,
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    data = _npz_bytes(arrays)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the router model: {exc.strerror}") from exc
    return hashlib.sha256(data).hexdigest()[:12]


def _npz_bytes(arrays: dict[str, npt.NDArray[Any]]) -> bytes:
    """An ``.npz`` (what ``np.savez_compressed`` writes) with fixed timestamps: the same model
    gives the same bytes, so the same version."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def read_params(data: bytes, file: str) -> ModelParams:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            missing = [k for k in _KEYS if k not in npz.files]
            arrays = {} if missing else {k: npz[k] for k in _KEYS}
        if missing:
            detail = f"an .npz without the array {missing[0]!r}"
            raise ConfigError(f"not a fulcrum router model ({detail})", file=file)
        meta = json.loads(str(arrays["meta"]))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        # numpy's own text for a file that is not an .npz speaks of pickles: not helpful here
        detail = "not an .npz file" if not isinstance(exc, zipfile.BadZipFile) else str(exc)
        raise ConfigError(
            f"not a fulcrum router model ({detail}; `fulcrum router train` writes one)",
            file=file,
        ) from exc
    _check(meta, arrays, file)
    return ModelParams(
        words=[str(t) for t in arrays["words"]],
        bigrams=arrays["bigrams"].astype(np.int64),
        weights=arrays["weights"].astype(np.float64),
        bias=float(arrays["bias"][0]),
        mean=arrays["mean"].astype(np.float64),
        std=arrays["std"].astype(np.float64),
        meta=meta,
    )


def _check(meta: Any, arrays: dict[str, Any], file: str) -> None:
    expected: dict[str, object] = {"format": FILE_FORMAT, "formats": list(FORMATS)}
    expected.update(dense=list(DENSE_NAMES), agent=list(AGENT_NAMES), text_cap=TEXT_CAP)
    if not isinstance(meta, dict):
        raise ConfigError("not a fulcrum router model (meta is not an object)", file=file)
    for key, want in expected.items():
        if meta.get(key) != want:
            raise ConfigError(f"expected {want!r}, got {meta.get(key)!r}", file=file, field=key)
    shape = (1 + len(FORMATS), len(arrays["words"]) + len(arrays["bigrams"]) + N_EXTRA)
    if arrays["weights"].shape != shape or arrays["mean"].shape != (len(DENSE_NAMES),):
        raise ConfigError(
            f"weights of shape {arrays['weights'].shape}, expected {shape}", file=file
        )
    if arrays["std"].shape != (len(DENSE_NAMES),) or arrays["bias"].shape != (1,):
        raise ConfigError("mean, std or bias of the wrong shape", file=file)
    keys, n = arrays["bigrams"], len(arrays["words"])
    if keys.ndim != 1 or (
        len(keys) and (np.any(np.diff(keys) <= 0) or keys[0] < 0 or keys[-1] >= n * n)
    ):
        raise ConfigError("bigrams not sorted word-index pairs", file=file, field="bigrams")
    if not np.all(np.isfinite(arrays["weights"])) or not np.all(arrays["std"] > 0):
        raise ConfigError("weights not finite or std not positive", file=file)


def default_model_path() -> Path:
    """The model shipped in the package."""
    return Path(str(resources.files("fulcrum.routing.learned").joinpath(DEFAULT_MODEL)))


@cache
def load_default() -> LearnedRouter:
    """The shipped model, loaded once."""
    return LearnedRouter.load(default_model_path())
