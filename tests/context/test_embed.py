from __future__ import annotations

import numpy as np
import pytest

from fulcrum.context.embed import make_embedder
from fulcrum.errors import ConfigError, UpstreamError

from .helpers import FakeSearxng


def test_wordllama_loads_from_its_wheel_and_ranks_related_text_closer() -> None:
    embedder = make_embedder("wordllama")
    assert embedder is not None and embedder.dim == 256
    vectors = embedder.embed(["read the config file", "load settings from disk", "purple elephant"])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_an_embeddings_server_is_one_more_registry_entry(searxng: FakeSearxng) -> None:
    embedder = make_embedder(f"openai:{searxng.url}/v1#nomic")
    assert embedder is not None and embedder.dim == 3 and embedder.name == "openai-nomic"
    vectors = embedder.embed(["ab", "abcd"])
    assert vectors[0] == pytest.approx(np.array([2, 1, 0]) / np.sqrt(5))  # order by index
    assert vectors[1] == pytest.approx(np.array([4, 1, 0]) / np.sqrt(17))


def test_none_unknown_and_unreachable_embedders() -> None:
    assert make_embedder("none") is None
    with pytest.raises(ConfigError, match="unknown embedder 'bert'; accepted: none, openai"):
        make_embedder("bert")
    with pytest.raises(UpstreamError, match="embeddings server"):
        make_embedder("openai:http://127.0.0.1:9/v1#m")
