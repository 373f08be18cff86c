"""An index shared by several processes: what one writes, the others see; none waits forever."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from fulcrum.context.embed import Vectors, make_embedder
from fulcrum.context.indexer import index_repository
from fulcrum.context.service import ContextConfig, ContextService, index_path
from fulcrum.context.store import IndexBusy, IndexStore

from .helpers import HashEmbedder


def _fulcrum_index(repo: Path, data: Path, embedder: str) -> None:
    argv = [sys.executable, "-m", "fulcrum", "index", str(repo), "--embedder", embedder]
    env = os.environ | {"FULCRUM_DATA_DIR": str(data)}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_vector_search_sees_what_another_process_indexed(repo: Path, tmp_path: Path) -> None:
    config = ContextConfig(root=repo, data=tmp_path / "d", embedder="wordllama", refresh_s=0.0)
    service = ContextService(config, embedder=make_embedder("wordllama"))
    try:
        assert service.search_code("load settings", mode="vector")  # loads the vectors
        (repo / "pkg" / "widgets.py").write_text("def quantum_widget_builder():\n    return 1\n")
        (repo / "pkg" / "server.py").rename(repo / "pkg" / "serving.py")
        _fulcrum_index(repo, config.data, "wordllama")
        found = service.search_code("quantum widget builder", mode="vector", limit=3)
        assert found[0].path == "pkg/widgets.py" and len(found) == 3
        hybrid = service.search_code("start server", limit=3)
        assert hybrid[0].path == "pkg/serving.py" and hybrid[0].symbol == "start_server"
        vector = service.search_code("start server", mode="vector", limit=20)
        assert all(h.path != "pkg/server.py" for h in vector)
    finally:
        service.close()


class SlowEmbedder(HashEmbedder):
    """As if each batch took a real model 50 ms."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        time.sleep(0.05)
        return super().embed(texts)


def test_a_long_index_run_lets_another_writer_in(repo: Path, tmp_path: Path) -> None:
    for n in range(40):
        (repo / "pkg" / f"mod{n}.py").write_text(f"def handler_{n}():\n    return {n}\n")
    path = tmp_path / "index.sqlite3"
    store = IndexStore(path)
    worker = threading.Thread(target=index_repository, args=(store, repo, SlowEmbedder()))
    worker.start()
    try:
        time.sleep(0.5)
        assert worker.is_alive()  # still indexing (about 2 s)
        other = IndexStore(path, wait_s=1.0)
        other.set_meta("probe", "written while the other indexes")  # waits at most 1 s
        other.commit()
        assert other.counts()[0] > 0  # and reads what that one committed so far
        other.close()
    finally:
        worker.join(60)
        store.close()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Another connection holding the index's write lock (a writer in a long transaction)."""
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    blocker.execute("INSERT OR REPLACE INTO meta VALUES ('blocker', 'x')")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_refresh_that_cannot_get_the_lock_serves_the_index_as_it_is(
    repo: Path, tmp_path: Path
) -> None:
    config = ContextConfig(root=repo, data=tmp_path / "d", refresh_s=0.0)
    ContextService(config, embedder=None).refresh()
    (repo / "pkg" / "late.py").write_text("def arrived_late():\n    return 1\n")
    service = ContextService(config, embedder=None, wait_s=0.2)
    try:
        with _locked(service.code.path):
            with pytest.raises(IndexBusy, match=r"^index .*: another process is writing it"):
                service.refresh()
            assert service.search_code("load settings")[0].symbol == "load_settings"
        assert service.search_code("arrived late")[0].path == "pkg/late.py"
    finally:
        service.close()


async def test_a_server_starts_and_answers_while_another_process_writes(
    repo: Path, tmp_path: Path
) -> None:
    data = tmp_path / "d"
    _fulcrum_index(repo, data, "none")
    (repo / "pkg" / "late.py").write_text("def arrived_late():\n    return 1\n")
    env = {"FULCRUM_DATA_DIR": str(data), "FULCRUM_EMBEDDER": "none"}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "fulcrum", "mcp", "--root", str(repo)], env=env
    )
    with _locked(index_path(data, repo)):
        async with Client(params, read_timeout_seconds=60) as client:
            result = await client.call_tool("search_code", {"query": "load settings"})
    assert not result.is_error, result.content
    assert (result.structured_content or {})["results"][0]["symbol"] == "load_settings"
