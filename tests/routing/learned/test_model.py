"""The model file: the shipped default, round trips, deterministic training, bad files."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest

from fulcrum.errors import ConfigError, InputError
from fulcrum.routing.learned import AgentFeatures, LearnedRouter, load_default
from fulcrum.routing.learned.data import read_examples
from fulcrum.routing.learned.encoding import encode
from fulcrum.routing.learned.features import FORMATS, featurize
from fulcrum.routing.learned.model import default_model_path, read_params, write_params
from fulcrum.routing.learned.train import TrainConfig, train

from .conftest import write_outcomes


def test_the_shipped_model_loads_once_and_scores_in_the_unit_interval() -> None:
    router = load_default()
    assert load_default() is router
    assert re.fullmatch(r"[0-9a-f]{12}", router.version)
    assert router.params.meta["rows"] > 5000  # trained on the public data's train part
    texts = ["", "hi", "x" * 50_000, "Prove that √2 is irrational.\nA. yes\nB. no", "ü" * 3000]
    scores = [router.score(t, AgentFeatures(tools=40, turn=9)) for t in texts]
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)
    assert len(set(scores)) == len(scores)
    assert router.score("hi") == router.score("hi")
    # the public data has no agent columns: their weights stay exactly zero
    assert router.score("hi", AgentFeatures(tools=40, tool_errors=3)) == router.score("hi")


def test_write_then_load_scores_the_same(tmp_path: Path) -> None:
    params = train(read_examples([write_outcomes(tmp_path / "o.csv")]))
    path = tmp_path / "m.npz"
    version = write_params(params, path)
    loaded = LearnedRouter.load(path)
    assert loaded.version == version
    fresh = LearnedRouter(params, version)
    for text in ("Question 3: the integral of it?", "capital", ""):
        assert loaded.score(text) == pytest.approx(fresh.score(text), abs=1e-6)


def test_training_is_deterministic(tmp_path: Path) -> None:
    examples = read_examples([write_outcomes(tmp_path / "o.csv")])
    config = TrainConfig(iterations=50)
    a = write_params(train(examples, config), tmp_path / "a.npz")
    b = write_params(train(examples, config), tmp_path / "b.npz")
    assert a == b


def test_agent_columns_are_learned(tmp_path: Path) -> None:
    data = tmp_path / "agent.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "strong_score", "weak_score", "kind", "tool_errors", "turn"])
        for i in range(200):
            errors = i % 3
            writer.writerow([f"fix the build {i % 7}", 1, 0 if errors else 1, "main", errors, i])
    router = LearnedRouter(train(read_examples([data])), "test")
    calm = router.score("fix the build 2", AgentFeatures(tool_errors=0, turn=5))
    stuck = router.score("fix the build 2", AgentFeatures(tool_errors=2, turn=5))
    assert stuck > calm + 0.2


def _corrupt(path: Path, **changes: object) -> None:
    params = read_params(default_model_path().read_bytes(), "default")
    buffer = io.BytesIO()
    arrays = {
        "words": np.array(params.words),
        "bigrams": params.bigrams,
        "weights": params.weights,
        "bias": np.array([params.bias]),
        "mean": params.mean,
        "std": params.std,
        "meta": np.array('{"format": "fulcrum-router/0"}'),
    }
    arrays.update(changes)  # type: ignore[arg-type]
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    path.write_bytes(buffer.getvalue())


def test_bad_files_name_themselves(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"absent\.npz: cannot read"):
        LearnedRouter.load(tmp_path / "absent.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ConfigError, match=r"junk\.npz: not a fulcrum router model"):
        LearnedRouter.load(junk)
    old = tmp_path / "old.npz"
    _corrupt(old)
    with pytest.raises(ConfigError, match=r"old\.npz: format: expected 'fulcrum-router/1'"):
        LearnedRouter.load(old)
    missing = tmp_path / "missing.npz"
    np.savez(missing, words=np.array(["a"]))
    with pytest.raises(ConfigError, match=r"missing\.npz: not a fulcrum router model"):
        LearnedRouter.load(missing)


def test_score_is_the_logistic_of_the_training_row() -> None:
    router = load_default()
    p = router.params
    index = {w.encode(): i for i, w in enumerate(p.words)}
    texts = [
        "Natalia sold clips to 48 friends. How many?",
        "Q?\nA. 1\nB. 2",
        "```py\nx = 1\n```",
        "How many apples, and how many pears?",  # a pair twice: counted, not summed at once
    ]
    for text, agent in [(t, None) for t in texts] + [(texts[0], AgentFeatures(tools=4))]:
        feat = featurize(text, agent)
        cols, values, extra = encode(feat, index, p.bigrams, p.mean, p.std)
        row = p.weights[0] + p.weights[1 + FORMATS.index(feat.format)]
        z = p.bias + row[cols] @ values + row[p.n_terms :] @ extra
        assert router.score(text, agent) == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-9)
