"""Search an index: lexical (FTS5 BM25), vector (cosine), hybrid and rrf.

``hybrid`` (the default) fuses scores: over the union of the top 50 of each side, BM25 divided
by the best BM25 plus :data:`ALPHA` times the cosine min-max scaled over the candidates.
``rrf`` fuses ranks (score = Σ 1 / (60 + rank)), as claude-context does. On the retrieval
bench a static word-embedding model is much weaker than BM25, and rank fusion then lets the
weaker list pull good lexical hits down (it lost to lexical on both recall and MRR); score
fusion keeps BM25's margins and beat lexical on both (``docs/context.md``). With no vectors
in the index every mode but ``vector`` is the lexical ranking. A result carries the path, the
1-based inclusive line range, the symbol, the mode's score and the chunk's text.
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
ALPHA = 0.3  # the vector side's weight in hybrid (bench/retrieval.py; docs/context.md)
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


def _rrf(
    store: IndexStore, embedder: Embedder | None, query: str, limit: int
) -> list[tuple[int, float]]:
    dense = vector(store, embedder, query, CANDIDATES)
    if not dense:
        return lexical(store, query, limit)
    return fuse(lexical(store, query, CANDIDATES), dense)[:limit]


def hybrid(
    store: IndexStore, embedder: Embedder | None, query: str, limit: int, *, alpha: float = ALPHA
) -> list[tuple[int, float]]:
    """Score fusion over the union of both candidate lists:
    ``(1 - alpha) * bm25 / max(bm25) + alpha * minmax(cosine)``."""
    if embedder is None or not store.vectors()[0]:
        return lexical(store, query, limit)
    sparse = dict(lexical(store, query, CANDIDATES))
    candidates = list(
        dict.fromkeys([*sparse, *(i for i, _ in vector(store, embedder, query, CANDIDATES))])
    )
    cosine = store.similarity(candidates, embedder.embed([query])[0])
    top_bm25 = max(sparse.values(), default=1.0) or 1.0
    low, span = min(cosine), (max(cosine) - min(cosine)) or 1.0
    scored = [
        (i, (1 - alpha) * sparse.get(i, 0.0) / top_bm25 + alpha * (cos - low) / span)
        for i, cos in zip(candidates, cosine, strict=True)
    ]
    return sorted(scored, key=lambda item: -item[1])[:limit]


MODES: dict[str, Callable[[IndexStore, Embedder | None, str, int], list[tuple[int, float]]]] = {
    "hybrid": hybrid,
    "lexical": lambda store, _embedder, query, limit: lexical(store, query, limit),
    "vector": vector,
    "rrf": _rrf,
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
