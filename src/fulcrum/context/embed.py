"""Embedders: text to unit vectors, behind one small interface and a registry.

:data:`EMBEDDERS` maps a name to a factory taking the options string after ``:`` (``"none"``,
``"wordllama"``, ``"openai:http://127.0.0.1:8080/v1#model"``). Nothing is downloaded at run
time: ``wordllama`` loads the weights and tokenizer its wheel ships (install
``fulcrum[embed]``), and ``openai`` posts to a ``/v1/embeddings`` server the team runs
(llama.cpp, Ollama, vLLM). Without an embedder the index is purely lexical.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from fulcrum.errors import ConfigError, UpstreamError
from fulcrum.urls import is_http_url

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str  # recorded in the index: vectors from another embedder are never mixed in
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalized float32 row per text."""
        ...


def normalize(matrix: npt.NDArray[Any]) -> Vectors:
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


class WordLlamaEmbedder:
    """WordLlama's 256-dimension model from the files inside its wheel (no download)."""

    dim = 256

    def __init__(self) -> None:
        try:
            import wordllama  # noqa: PLC0415 - optional dependency
        except ImportError as exc:
            raise ConfigError("wordllama is not installed (pip install 'fulcrum[embed]')") from exc
        shipped = Path(wordllama.__file__).parent  # holds weights/ and tokenizers/
        self._model = wordllama.WordLlama.load(cache_dir=shipped, disable_download=True)
        self.name = f"wordllama-l2_supercat-{self.dim}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize(self._model.embed(list(texts), norm=False))


class OpenAIEmbedder:
    """A ``/v1/embeddings`` server: ``openai:BASE_URL#MODEL``."""

    def __init__(self, base_url: str, model: str, *, timeout_s: float = 30.0) -> None:
        self.base_url, self.model, self.timeout_s = base_url.rstrip("/"), model, timeout_s
        self.name = f"openai-{model}"
        self.dim = len(self.embed(["dimension probe"])[0])

    def embed(self, texts: Sequence[str]) -> Vectors:
        body = json.dumps({"model": self.model, "input": list(texts)}).encode()
        request = urllib.request.Request(
            self.base_url + "/embeddings", body, {"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                data = json.load(response)["data"]
        except (OSError, KeyError, ValueError) as exc:
            raise UpstreamError(f"embeddings server {self.base_url}: {exc}") from exc
        rows = [item["embedding"] for item in sorted(data, key=lambda d: d["index"])]
        return normalize(np.array(rows, dtype=np.float32))


FIELD = "--embedder"  # also $FULCRUM_EMBEDDER and the gateway's [context] embedder
OPENAI_FORM = "openai:http://HOST:PORT/v1#MODEL"


def _openai(options: str) -> Embedder:
    url, _, model = options.partition("#")
    if not is_http_url(url):
        raise ConfigError(f"'openai:{options}' is not accepted; give {OPENAI_FORM}", field=FIELD)
    return OpenAIEmbedder(url, model or "default")


EMBEDDERS: dict[str, Callable[[str], Embedder | None]] = {
    "none": lambda _options: None,
    "wordllama": lambda _options: WordLlamaEmbedder(),
    "openai": _openai,
}


def make_embedder(spec: str | None) -> Embedder | None:
    """The embedder ``spec`` names; ``None`` (auto): wordllama when installed, else lexical only."""
    if spec is None:
        try:
            return WordLlamaEmbedder()
        except ConfigError:
            return None
    name, _, options = spec.partition(":")
    factory = EMBEDDERS.get(name)
    if factory is None:
        accepted = ", ".join(OPENAI_FORM if n == "openai" else n for n in sorted(EMBEDDERS))
        raise ConfigError(f"unknown embedder {name!r}; accepted: {accepted}", field=FIELD)
    return factory(options)
