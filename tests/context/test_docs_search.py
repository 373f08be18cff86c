"""search_docs over several docs folders (and packages): one ranking, each hit naming its source."""

from __future__ import annotations

from pathlib import Path

from fulcrum.context.service import ContextConfig, ContextService

from .helpers import HashEmbedder


def _docs(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _service(tmp_path: Path, *folders: Path, embedder: HashEmbedder | None) -> ContextService:
    config = ContextConfig(root=tmp_path, data=tmp_path / "d", docs=folders)
    return ContextService(config, embedder=embedder)


def test_files_with_the_same_path_in_two_folders_are_both_kept(tmp_path: Path) -> None:
    a = _docs(tmp_path / "docsA", {"x.md": "# Intro\n\nalpha_only_in_A\n"})
    b = _docs(tmp_path / "docsB", {"x.md": "# Intro\n\nbeta_only_in_B\n"})
    for embedder in (None, HashEmbedder()):
        service = _service(tmp_path, a, b, embedder=embedder)
        try:
            alpha = service.search_docs("alpha_only_in_A")
            assert alpha[0].path == str(a.resolve() / "x.md") and "alpha_only_in_A" in alpha[0].text
            beta = service.search_docs("beta_only_in_B")
            assert beta[0].path == str(b.resolve() / "x.md") and "beta_only_in_B" in beta[0].text
            assert {h.path for h in service.search_docs("intro")} == {
                str(a.resolve() / "x.md"),
                str(b.resolve() / "x.md"),
            }
        finally:
            service.close()


def test_the_best_hit_of_each_folder_is_ranked_by_its_relevance(tmp_path: Path) -> None:
    """Rank fusion per folder gave each folder's first hit the same score, however weak."""
    strong = _docs(tmp_path / "guide", {"limits.md": "# Limits\n\nrate limit 429 retry backoff\n"})
    weak = _docs(tmp_path / "notes", {"misc.md": "# Misc\n\nretry once\n"})
    for folders in ((strong, weak), (weak, strong)):
        service = _service(tmp_path, *folders, embedder=HashEmbedder())
        try:
            found = service.search_docs("rate limit 429 retry backoff")
            assert [Path(h.path).name for h in found] == ["limits.md", "misc.md"]
            assert found[0].score > found[1].score
        finally:
            service.close()


def test_docs_folders_and_packages_are_ranked_together(tmp_path: Path) -> None:
    guide = _docs(tmp_path / "guide", {"json.md": "# Encoding\n\nHow we encode payloads.\n"})
    service = _service(tmp_path, guide, embedder=None)
    try:
        found = service.search_docs("JSONDecoder raw_decode", packages=("json", "json"))
        assert found[0].path == "python:json" and found[0].symbol.startswith("json.")
        assert len({(h.path, h.symbol) for h in found}) == len(found)  # a package named twice
    finally:
        service.close()
