"""Search an index: lexical (FTS5 BM25), vector (cosine) and hybrid (reciprocal-rank fusion).

Hybrid fuses the two rankings by reciprocal rank (score = Σ 1 / (k + rank), k = 60), as
claude-context does; with no vectors in the index it is the lexical ranking. A result carries
the path, the 1-based inclusive line range, the symbol, the score of the mode asked for and
the chunk's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fulcrum.context.embed import Embedder
from fulcrum.context.store import IndexStore, split_identifiers
from fulcrum.errors import InputError

RRF_K = 60
CANDIDATES = 50
_WORD = re.compile(r"[A-Za-z0-9_]+")
_STOP_WORDS = (
    "a an and are as at be by for from how in is it of on or that the this to what when where "
    "which who why with does do i we you"
)
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Hit:
    path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str
    score: float
    text: str

    def as_dict(self, *, max_chars: int | None = None) -> dict[str, Any]:
        out = asdict(self)
        if max_chars is not None and len(self.text) > max_chars:
            out["text"] = self.text[:max_chars] + "\n…"
        return out


def fts_query(query: str) -> str:
    """An FTS5 expression: every query word (and identifier part) OR-ed, each one quoted."""
    words = [w.lower() for w in _WORD.findall(query + " " + split_identifiers(query))]
    kept = [w for w in dict.fromkeys(words) if w not in _STOP] or list(dict.fromkeys(words))
    return " OR ".join(f'"{w}"' for w in kept)


def lexical(store: IndexStore, query: str, limit: int) -> list[tuple[int, float]]:
    match = fts_query(query)
    return store.lexical(match, limit) if match else []


def vector(
    store: IndexStore, embedder: Embedder | None, query: str, limit: int
) -> list[tuple[int, float]]:
    ids, matrix = store.vectors()
    if embedder is None or not ids:
        return []
    scores = matrix @ embedder.embed([query])[0]
    top = np.argsort(-scores)[:limit]
    return [(ids[i], float(scores[i])) for i in top]


def fuse(*rankings: list[tuple[int, float]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion of ranked (id, score) lists."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _score) in enumerate(ranking, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def _hybrid(
    store: IndexStore, embedder: Embedder | None, query: str, limit: int
) -> list[tuple[int, float]]:
    dense = vector(store, embedder, query, CANDIDATES)
    return (
        fuse(lexical(store, query, CANDIDATES), dense)[:limit]
        if dense
        else lexical(store, query, limit)
    )


MODES: dict[str, Callable[[IndexStore, Embedder | None, str, int], list[tuple[int, float]]]] = {
    "lexical": lambda store, _embedder, query, limit: lexical(store, query, limit),
    "vector": vector,
    "hybrid": _hybrid,
}


def search(
    store: IndexStore,
    embedder: Embedder | None,
    query: str,
    *,
    limit: int = 10,
    mode: str = "hybrid",
    path_prefix: str | None = None,
) -> list[Hit]:
    if not query.strip():
        raise InputError("query: must not be empty", param="query")
    ranker = MODES.get(mode)
    if ranker is None:
        raise InputError(f"mode: {mode!r} is not one of {', '.join(MODES)}", param="mode")
    want = limit * 4 if path_prefix else limit
    ranked = ranker(store, embedder, query, max(want, limit))
    found = store.chunks(i for i, _ in ranked)
    hits = []
    for chunk_id, score in ranked:
        c = found.get(chunk_id)
        if c is not None and (not path_prefix or c.path.startswith(path_prefix)):
            hits.append(Hit(c.path, c.start_line, c.end_line, c.symbol, c.kind, score, c.text))
    return hits[:limit]
