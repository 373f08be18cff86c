"""Search an index: lexical (FTS5 BM25), vector (cosine), hybrid and rrf.

``hybrid`` (the default) fuses scores: over the union of the top 50 of each side, BM25 divided
by the best BM25 plus :data:`ALPHA` times the cosine min-max scaled over the candidates.
``rrf`` fuses ranks (score = Σ 1 / (60 + rank)), as claude-context does. On the retrieval
bench a static word-embedding model is much weaker than BM25, and rank fusion then lets the
weaker list pull good lexical hits down (it lost to lexical on both recall and MRR); score
fusion keeps BM25's margins and beat lexical on both (``docs/context.md``). With no vectors
in the index every mode but ``vector`` is the lexical ranking (``vector`` finds nothing; the
tools call :func:`check_mode` first, which says it needs an embedder). A result carries the
path, the 1-based inclusive line range, the symbol, the mode's score and the chunk's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fulcrum.context.chunks import folder_of
from fulcrum.context.embed import Embedder, Vectors
from fulcrum.context.store import IndexStore, split_identifiers
from fulcrum.errors import InputError

RRF_K = 60
CANDIDATES = 50
ALPHA = 0.3  # the vector side's weight in hybrid (bench/retrieval.py; docs/context.md)
_WORD = re.compile(r"\w+")  # Unicode: "Größe", "конфигурации" are words too
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


def lexical(store: IndexStore, query: str, limit: int, folder: str = "") -> list[tuple[int, float]]:
    match = fts_query(query)
    return store.lexical(match, limit, folder) if match else []


NEEDS_EMBEDDER = frozenset({"vector"})  # modes that have nothing to rank without vectors
NO_EMBEDDER = (
    "mode: 'vector' needs an embedder and this index has none (start with --embedder wordllama "
    "or openai:URL#MODEL); use hybrid or lexical"
)


def check_mode(mode: str, embedder: Embedder | None) -> None:
    """An :class:`InputError` for a mode that needs an embedder when there is none (what a
    tool answers; an empty list would read as "nothing matches")."""
    if mode in NEEDS_EMBEDDER and embedder is None:
        raise InputError(NO_EMBEDDER, param="mode")


def vector(
    store: IndexStore, embedder: Embedder | None, query: str, limit: int, folder: str = ""
) -> list[tuple[int, float]]:
    if embedder is None or not store.vectors()[0]:
        return []
    return _nearest(store, embedder.embed([query])[0], limit, folder)


def _nearest(store: IndexStore, query: Vectors, limit: int, folder: str) -> list[tuple[int, float]]:
    """The ``limit`` chunks (in ``folder``) whose vectors are nearest the query's."""
    ids, matrix = store.vectors()
    rows = np.arange(len(ids))
    if folder:
        inside = store.ids_in(folder)
        rows = np.array([r for r, i in enumerate(ids) if i in inside], dtype=np.int64)
    scores = matrix[rows] @ query
    top = np.argsort(-scores, kind="stable")[:limit]
    return [(ids[rows[i]], float(scores[i])) for i in top]


def fuse(*rankings: list[tuple[int, float]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion of ranked (id, score) lists."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _score) in enumerate(ranking, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def _rrf(
    store: IndexStore, embedder: Embedder | None, query: str, limit: int, folder: str = ""
) -> list[tuple[int, float]]:
    dense = vector(store, embedder, query, CANDIDATES, folder)
    if not dense:
        return lexical(store, query, limit, folder)
    return fuse(lexical(store, query, CANDIDATES, folder), dense)[:limit]


Source = tuple[IndexStore, str]  # an index and a folder in it ("": all of it)


def hybrid(
    store: IndexStore,
    embedder: Embedder | None,
    query: str,
    limit: int,
    folder: str = "",
    *,
    alpha: float = ALPHA,
) -> list[tuple[int, float]]:
    """Score fusion over the union of both candidate lists:
    ``(1 - alpha) * bm25 / max(bm25) + alpha * minmax(cosine)``."""
    ranked = hybrid_sources([(store, folder)], embedder, query, limit, alpha=alpha)
    return [(chunk_id, score) for _source, chunk_id, score in ranked]


def hybrid_sources(
    sources: list[Source],
    embedder: Embedder | None,
    query: str,
    limit: int,
    *,
    alpha: float = ALPHA,
) -> list[tuple[int, int, float]]:
    """(source's index, chunk id, score): :func:`hybrid` over several indexes as one list, its
    formula applied to the union of every source's candidates (BM25 over the best BM25 of all,
    cosine min-max scaled over all), so a weak source's best hit is not ranked like a strong
    one's. With no vectors in any source, the raw BM25 scores."""
    with_vectors = embedder is not None and any(store.vectors()[0] for store, _ in sources)
    vec = embedder.embed([query])[0] if embedder is not None and with_vectors else None
    sparse: dict[tuple[int, int], float] = {}
    cosine: dict[tuple[int, int], float] = {}
    for n, (store, folder) in enumerate(sources):
        found = lexical(store, query, CANDIDATES if vec is not None else limit, folder)
        sparse.update(((n, i), score) for i, score in found)
        if vec is not None and (dense := _nearest(store, vec, CANDIDATES, folder)):
            ids = list(dict.fromkeys([*(i for i, _ in found), *(i for i, _ in dense)]))
            cosine.update(zip(((n, i) for i in ids), store.similarity(ids, vec), strict=True))
    if not cosine:
        ranked = [(n, i, score) for (n, i), score in sparse.items()]
        return sorted(ranked, key=lambda item: -item[2])[:limit]
    top_bm25 = max(sparse.values(), default=1.0) or 1.0
    low = min(cosine.values())
    span = (max(cosine.values()) - low) or 1.0
    candidates = list(dict.fromkeys([*sparse, *cosine]))
    scored = [
        (n, i, (1 - alpha) * sparse.get((n, i), 0.0) / top_bm25
         + alpha * (cosine.get((n, i), low) - low) / span)
        for n, i in candidates
    ]  # fmt: skip
    return sorted(scored, key=lambda item: -item[2])[:limit]


Ranker = Callable[[IndexStore, Embedder | None, str, int, str], list[tuple[int, float]]]
MODES: dict[str, Ranker] = {
    "hybrid": hybrid,
    "lexical": lambda store, _embedder, query, limit, folder: lexical(store, query, limit, folder),
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
    ranked = ranker(store, embedder, query, limit, folder_of(path_prefix))
    return [hit for _n, hit in _hits([store], [(0, i, score) for i, score in ranked], limit)]


def search_sources(
    sources: list[Source], embedder: Embedder | None, query: str, *, limit: int = 10
) -> list[tuple[int, Hit]]:
    """(source's index, hit): several indexes searched as one (:func:`hybrid_sources`)."""
    if not query.strip():
        raise InputError("query: must not be empty", param="query")
    ranked = hybrid_sources(sources, embedder, query, limit)
    return _hits([store for store, _ in sources], ranked, limit)


def _hits(
    stores: list[IndexStore], ranked: list[tuple[int, int, float]], limit: int
) -> list[tuple[int, Hit]]:
    """The ranked chunks read back; ties by path, then line."""
    found = [stores[n].chunks(i for m, i, _ in ranked if m == n) for n in range(len(stores))]
    hits = [
        (n, Hit(c.path, c.start_line, c.end_line, c.symbol, c.kind, score, c.text))
        for n, chunk_id, score in ranked
        if (c := found[n].get(chunk_id)) is not None
    ]
    return sorted(hits, key=lambda h: (-h[1].score, h[1].path, h[1].start_line))[:limit]
