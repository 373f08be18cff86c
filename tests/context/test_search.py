from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.context.indexer import index_repository
from fulcrum.context.search import fts_query, fuse, hybrid, lexical, search
from fulcrum.context.store import IndexStore, split_identifiers
from fulcrum.errors import InputError

from .helpers import HashEmbedder


@pytest.fixture
def store(repo: Path, tmp_path: Path, embedder: HashEmbedder) -> IndexStore:
    store = IndexStore(tmp_path / "i.sqlite3")
    index_repository(store, repo, embedder)
    return store


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid", "rrf"])
def test_each_mode_finds_the_function_a_question_describes(
    store: IndexStore, embedder: HashEmbedder, mode: str
) -> None:
    hits = search(store, embedder, "read the settings file written in TOML", mode=mode, limit=3)
    assert hits[0].path == "pkg/config.py" and hits[0].symbol == "load_settings"
    assert (hits[0].start_line, hits[0].end_line) == (6, 9)
    assert hits[0].score > 0


def test_identifier_parts_are_searchable(store: IndexStore, embedder: HashEmbedder) -> None:
    assert split_identifiers("renderChart load_settings") in (
        "render Chart load settings",
        "load settings render Chart",
    )
    hits = search(store, embedder, "render chart", mode="lexical", limit=1)
    assert hits[0].symbol == "renderChart"


def test_path_filter_and_limit(store: IndexStore, embedder: HashEmbedder) -> None:
    hits = search(store, embedder, "server port", path_prefix="docs/", limit=5)
    assert hits == [] or all(h.path.startswith("docs/") for h in hits)
    assert len(search(store, embedder, "server port settings", limit=2)) == 2


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = fuse([(1, 9.0), (2, 8.0), (3, 7.0)], [(3, 0.9), (1, 0.8)])
    assert [i for i, _ in fused] == [1, 3, 2]  # in both lists beats second in one
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_without_vectors_hybrid_is_lexical(repo: Path, tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "lex.sqlite3")
    index_repository(store, repo, None)
    hybrid = search(store, None, "wombat migration", mode="hybrid")
    assert [h.path for h in hybrid] == [
        h.path for h in search(store, None, "wombat migration", mode="lexical")
    ]
    assert hybrid[0].path == "notes.txt"
    assert search(store, None, "wombat", mode="vector") == []


def test_bad_arguments_name_the_argument(store: IndexStore, embedder: HashEmbedder) -> None:
    with pytest.raises(InputError, match="query"):
        search(store, embedder, "   ")
    with pytest.raises(InputError, match="mode: 'fuzzy'"):
        search(store, embedder, "x", mode="fuzzy")
    assert fts_query('drop "table" OR x*') == '"drop" OR "table" OR "x"'


def test_hybrid_adds_the_vector_side_to_bm25(store: IndexStore, embedder: HashEmbedder) -> None:
    query = "settings port server"
    pure = hybrid(store, embedder, query, 5, alpha=0.0)
    assert [i for i, _ in pure] == [i for i, _ in lexical(store, query, 5)]
    assert pure[0][1] == pytest.approx(1.0)  # BM25 over the best BM25
    mixed = hybrid(store, embedder, query, 50, alpha=0.3)
    assert all(0.0 <= score <= 1.0 for _, score in mixed)
    assert max(score for _, score in mixed) > 0.7
