from __future__ import annotations

from pathlib import Path

from fulcrum.context.indexer import index_repository
from fulcrum.context.service import ContextConfig, ContextService
from fulcrum.context.store import IndexStore

from .helpers import REPO_FILES, HashEmbedder


def _store(tmp_path: Path) -> IndexStore:
    return IndexStore(tmp_path / "index" / "code.sqlite3")


def test_first_index_reads_every_text_file_but_not_vcs_folders(
    repo: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    store = _store(tmp_path)
    report = index_repository(store, repo, embedder)
    assert sorted(report.indexed) == sorted(REPO_FILES)
    assert store.counts()[0] == len(REPO_FILES)
    assert all(not p.startswith(".git") for p in store.file_hashes())
    _ids, matrix = store.vectors()
    assert matrix.shape == (store.counts()[1], embedder.dim)


def test_reindex_after_one_change_touches_only_that_file(
    repo: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    store = _store(tmp_path)
    index_repository(store, repo, embedder)
    embedded_before = sum(embedder.calls)
    (repo / "pkg" / "server.py").write_text("def start_server():\n    return 'changed'\n")
    report = index_repository(store, repo, embedder)
    assert report.indexed == ["pkg/server.py"]
    assert report.removed == []
    assert sum(embedder.calls) - embedded_before == 1  # one chunk re-embedded, nothing else
    texts = [c.text for c in store.all_chunks() if c.path == "pkg/server.py"]
    assert texts == ["def start_server():\n    return 'changed'"]


def test_unchanged_repository_reindexes_nothing_and_removed_files_are_dropped(
    repo: Path, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    index_repository(store, repo, None)
    assert index_repository(store, repo, None).indexed == []
    (repo / "notes.txt").unlink()
    report = index_repository(store, repo, None)
    assert report.indexed == [] and report.removed == ["notes.txt"]
    assert "notes.txt" not in store.file_hashes()
    assert all(c.path != "notes.txt" for c in store.all_chunks())


def test_another_embedder_rebuilds_instead_of_mixing_vectors(
    repo: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    store = _store(tmp_path)
    index_repository(store, repo, None)
    assert store.vectors()[0] == []
    report = index_repository(store, repo, embedder)
    assert report.rebuilt and len(report.indexed) == len(REPO_FILES)
    assert len(store.vectors()[0]) == store.counts()[1]


def test_binary_and_oversized_files_are_skipped(repo: Path, tmp_path: Path) -> None:
    (repo / "blob.txt").write_bytes(b"abc\0def")
    (repo / "huge.txt").write_text("x" * 1_100_000)
    report = index_repository(_store(tmp_path), repo, None)
    assert "blob.txt" not in report.indexed and "huge.txt" not in report.indexed


def test_the_service_refreshes_once_then_only_when_stale(repo: Path, tmp_path: Path) -> None:
    service = ContextService(ContextConfig(root=repo, data=tmp_path / "d"), embedder=None)
    service.refresh_in_background().join(30)
    assert service.code.counts()[0] == len(REPO_FILES)
    (repo / "late.md").write_text("# Late\n\nthe aardvark section\n")
    assert service.search_code("aardvark") == []  # indexed less than refresh_s ago
    service._refreshed -= service.config.refresh_s + 1
    assert service.search_code("aardvark")[0].path == "late.md"
    service.close()
