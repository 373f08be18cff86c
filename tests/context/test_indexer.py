from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fulcrum.context import indexer
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


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_git_ignored_files_and_folders_are_skipped(repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(repo / ".git")
    _git(repo, "init", "-q")
    (repo / ".gitignore").write_text("generated/\n*.log.txt\nout\n")
    for rel in ("generated/models.py", "out/bundle.js", "run.log.txt", "keep/generated.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("def generated_code():\n    return 1\n")
    (repo / "vendor").mkdir()
    _git(repo / "vendor", "init", "-q")  # a nested repository is still part of the tree
    (repo / "vendor" / "lib.py").write_text("def vendored():\n    return 1\n")
    report = index_repository(_store(tmp_path), repo, None)
    assert sorted(report.indexed) == sorted([*REPO_FILES, "keep/generated.py", "vendor/lib.py"])


def test_a_file_vanishing_into_an_ignored_folder_is_dropped(repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(repo / ".git")
    _git(repo, "init", "-q")
    store = _store(tmp_path)
    index_repository(store, repo, None)
    (repo / ".gitignore").write_text("docs/\n")
    (repo / "pkg" / "cli.py").rename(repo / "pkg" / "entry.py")
    report = index_repository(store, repo, None)
    assert report.removed == ["docs/guide.md", "pkg/cli.py"] and report.indexed == ["pkg/entry.py"]
    assert {c.path for c in store.all_chunks()} == set(REPO_FILES) - {
        "docs/guide.md",
        "pkg/cli.py",
    } | {"pkg/entry.py"}


def test_symlinks_outside_the_root_are_not_followed(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the outside secret\n")
    (repo / "leak.txt").symlink_to(secret)
    (repo / "dangling.txt").symlink_to(repo / "gone.txt")
    (repo / "loop").symlink_to(repo / "loop")
    (repo / "inside.txt").symlink_to(repo / "notes.txt")
    store = _store(tmp_path)
    report = index_repository(store, repo, None)
    assert sorted(report.indexed) == sorted([*REPO_FILES, "inside.txt"])
    assert all("outside secret" not in c.text for c in store.all_chunks())


def test_legacy_encodings_and_byte_order_marks_are_decoded(repo: Path, tmp_path: Path) -> None:
    (repo / "latin.py").write_bytes("# caf\u00e9 cr\u00e8me\ndef f():\n    pass\n".encode("cp1252"))
    (repo / "bom.txt").write_bytes("\ufeffwith a byte order mark\n".encode("utf-8"))
    (repo / "wide.txt").write_text("utf sixteen notes\n", encoding="utf-16")
    (repo / "crlf.py").write_bytes(b"def a():\r\n    pass\r\n")
    store = _store(tmp_path)
    index_repository(store, repo, None)
    texts = {c.path: c.text for c in reversed(store.all_chunks())}  # each file's first chunk
    assert texts["latin.py"].startswith("# caf\u00e9 cr\u00e8me")
    assert texts["bom.txt"] == "with a byte order mark"
    assert texts["wide.txt"] == "utf sixteen notes"
    assert texts["crlf.py"] == "def a():\n    pass"


def test_minified_files_are_skipped_but_long_lines_in_code_are_not(
    repo: Path, tmp_path: Path
) -> None:
    (repo / "web" / "vendor.min.js").write_text("var a=1;" * 20_000)
    (repo / "web" / "bundle.js").write_text("function f(){return 1}" * 5_000 + "\n")
    (repo / "pkg" / "table.py").write_text(
        "TABLE = [" + "1, " * 2_000 + "]\n\n\ndef f():\n    pass\n"
    )
    report = index_repository(_store(tmp_path), repo, None)
    assert "web/vendor.min.js" not in report.indexed and "web/bundle.js" not in report.indexed
    assert "pkg/table.py" in report.indexed


def test_docs_folders_are_refreshed_like_the_repository_not_on_every_search(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ContextConfig(root=repo, data=tmp_path / "d", docs=(repo / "docs",))
    service = ContextService(config, embedder=None)
    walks: list[Path] = []
    monkeypatch.setattr(indexer, "walk", _counting(walks))
    for _ in range(3):
        assert service.search_docs("rate limits")[0].symbol == "Guide > Rate limits"
    assert len(walks) == 1
    service._docs_refreshed[repo / "docs"] -= config.refresh_s + 1
    service.search_docs("rate limits")
    assert len(walks) == 2
    service.close()


def _counting(walks: list[Path]) -> Any:
    real = indexer.walk

    def walk(root: Path, *args: Any) -> Any:
        walks.append(root)
        return real(root, *args)

    return walk


def test_source_folders_git_tracks_are_indexed_even_with_a_build_name(
    repo: Path, tmp_path: Path
) -> None:
    """pypa/build keeps its package in src/build/, CPython its venv module in Lib/venv/."""
    shutil.rmtree(repo / ".git")
    _git(repo, "init", "-q")
    for rel in ("src/build/__init__.py", "Lib/venv/__init__.py", "build/lib/copy.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("def project_builder():\n    return 1\n")
    _git(repo, "add", "src", "Lib")
    report = index_repository(_store(tmp_path), repo, None)
    assert {"src/build/__init__.py", "Lib/venv/__init__.py"} <= set(report.indexed)
    assert "build/lib/copy.py" not in report.indexed  # an untracked build output


def test_an_enclosing_repository_that_tracks_nothing_here_does_not_hide_the_root(
    tmp_path: Path,
) -> None:
    """A home directory kept as a dotfiles repository ignores "*"; a project under it that is
    not a repository of its own is still indexed."""
    home = tmp_path / "home"
    project = home / "projects" / "tool"
    project.mkdir(parents=True)
    _git(home, "init", "-q")
    (home / ".gitignore").write_text("*\n")
    (project / "main.py").write_text("def run_tool():\n    return 1\n")
    report = index_repository(_store(tmp_path), project, None)
    assert report.indexed == ["main.py"]


def _age(repo: Path, seconds: float) -> None:
    """Every file's modification time set ``seconds`` into the past."""
    import os  # noqa: PLC0415
    import time  # noqa: PLC0415

    then = time.time() - seconds
    for path in repo.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            os.utime(path, (then, then))


def test_a_refresh_reads_only_files_whose_size_or_time_changed(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    _age(repo, 3600)
    index_repository(store, repo, None)
    read: list[str] = []
    real = indexer.read_source
    monkeypatch.setattr(indexer, "read_source", lambda p: read.append(p.name) or real(p))
    assert index_repository(store, repo, None).indexed == [] and read == []  # nothing read
    (repo / "pkg" / "server.py").write_text("def start_server():\n    return 'moved on'\n")
    report = index_repository(store, repo, None)
    assert read == ["server.py"] and report.indexed == ["pkg/server.py"]
    # changed just now: hashed again next time (a change within its mtime tick is not missed)
    read.clear()
    assert index_repository(store, repo, None).indexed == [] and read == ["server.py"]
    (repo / "notes.txt").unlink()  # a vanished file is still dropped
    assert index_repository(store, repo, None).removed == ["notes.txt"]
