from __future__ import annotations

from pathlib import Path

from fulcrum.context.indexer import index_repository
from fulcrum.context.repomap import rank_definitions, repo_map
from fulcrum.context.store import IndexStore


def _chunks(repo: Path, tmp_path: Path) -> IndexStore:
    store = IndexStore(tmp_path / "i.sqlite3")
    index_repository(store, repo, None)
    return store


def test_the_most_referenced_definitions_rank_first(repo: Path, tmp_path: Path) -> None:
    ranked, file_rank = rank_definitions(_chunks(repo, tmp_path).all_chunks())
    names = [d.symbol for d in ranked]
    assert names.index("load_settings") < names.index("stop_server")
    assert names.index("start_server") < names.index("stop_server")
    assert max(file_rank, key=file_rank.__getitem__) == "pkg/config.py"  # everyone imports it


def test_the_outline_fits_its_budget(repo: Path, tmp_path: Path) -> None:
    chunks = _chunks(repo, tmp_path).all_chunks()
    full = repo_map(chunks, max_tokens=4000)
    assert full.startswith("pkg/config.py:")
    assert "def load_settings(path):" in full and "Settings: def port(self):" in full
    small = repo_map(chunks, max_tokens=20)
    assert len(small) <= 20 * 4 and small  # something, within ~20 tokens
    assert repo_map(chunks, max_tokens=4000, path_prefix="web/").startswith("web/app.js:") or (
        repo_map(chunks, max_tokens=4000, path_prefix="web/") == ""
    )


def test_the_path_is_a_folder_however_it_is_spelled(repo: Path, tmp_path: Path) -> None:
    (repo / "pkg2").mkdir()
    (repo / "pkg2" / "extra.py").write_text("def extra():\n    return 1\n\n\nextra()\n")
    chunks = _chunks(repo, tmp_path).all_chunks()
    outlines = {p: repo_map(chunks, max_tokens=4000, path_prefix=p) for p in ("pkg", "./pkg/")}
    assert all("pkg/config.py:" in o and "pkg2/" not in o for o in outlines.values())


def test_definitions_nobody_references_yet_are_still_listed(repo: Path, tmp_path: Path) -> None:
    chunks = _chunks(repo, tmp_path).all_chunks()
    outline = repo_map(chunks, max_tokens=4000, path_prefix="web")
    assert outline.startswith("web/app.js:") and "renderChart" in outline and "Widget" in outline
