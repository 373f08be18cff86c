from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.context.chunks import Chunk
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
    # in the order of first use, each once: the same text embeds the same in every process
    said = "renderChart load_settings renderChart zipCode"
    assert split_identifiers(said) == "render Chart load settings zip Code"
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


def _many_tests_repo(tmp_path: Path) -> IndexStore:
    root = tmp_path / "many"
    (root / "tests").mkdir(parents=True)
    for n in range(60):
        (root / "tests" / f"test_{n}.py").write_text(
            f"def test_widget_{n}():\n    widget = make_widget()\n    assert widget\n"
        )
    (root / "src").mkdir()
    (root / "src" / "widgets.py").write_text("def make_widget():\n    return 'widget'\n")
    (root / "src2").mkdir()
    (root / "src2" / "other.py").write_text("def widget_two():\n    return 'widget'\n")
    store = IndexStore(tmp_path / "many.sqlite3")
    index_repository(store, root, HashEmbedder())
    return store


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid", "rrf"])
@pytest.mark.parametrize("folder", ["src", "src/", "./src", "src\\"])
def test_path_filter_finds_hits_outranked_elsewhere_and_means_a_folder(
    tmp_path: Path, mode: str, folder: str
) -> None:
    store = _many_tests_repo(tmp_path)
    hits = search(store, HashEmbedder(), "widget", limit=3, mode=mode, path_prefix=folder)
    assert [h.path for h in hits] == ["src/widgets.py"]  # not src2/, not lost behind tests/


def test_path_filter_accepts_one_file(tmp_path: Path) -> None:
    store = _many_tests_repo(tmp_path)
    hits = search(store, None, "widget", limit=5, mode="lexical", path_prefix="tests/test_7.py")
    assert [h.path for h in hits] == ["tests/test_7.py"]


def test_ties_are_ordered_by_path_and_line(tmp_path: Path) -> None:
    store = _many_tests_repo(tmp_path)
    first = tmp_path / "many" / "tests" / "test_0.py"
    first.write_text(first.read_text() + "\n")  # re-indexed: its chunk is now the newest row
    index_repository(store, tmp_path / "many", HashEmbedder())
    hits = search(store, None, "assert", limit=60, mode="lexical", path_prefix="tests")
    assert len(hits) == 60
    keyed = [(-round(h.score, 9), h.path, h.start_line) for h in hits]
    assert keyed == sorted(keyed)


def test_a_package_filter_does_not_match_a_longer_package_name(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "api.sqlite3")
    for package in ("json", "jsonschema"):
        chunk = Chunk(f"python:{package}", 1, 1, f"{package}.validate", "function", "validate it")
        store.put_file(chunk.path, "v1", [chunk], None)
    hits = search(store, None, "validate", mode="lexical", path_prefix="python:json")
    assert [h.symbol for h in hits] == ["json.validate"]


def test_words_with_accents_and_other_scripts_are_searchable(tmp_path: Path) -> None:
    root = tmp_path / "intl"
    root.mkdir()
    (root / "maße.py").write_text("def größe_berechnen(datei):\n    return len(datei)\n")
    (root / "readme.md").write_text("# Настройка\n\nФайл конфигурации читается при запуске.\n")
    (root / "other.txt").write_text("gr e unrelated words\n")
    store = IndexStore(tmp_path / "intl.sqlite3")
    index_repository(store, root, None)
    assert search(store, None, "Größe", mode="lexical")[0].path == "maße.py"
    assert search(store, None, "конфигурации", mode="lexical")[0].symbol == "Настройка"
