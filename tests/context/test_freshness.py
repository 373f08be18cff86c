"""An index shared by several processes: what one writes, the others see; none waits forever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fulcrum.context.embed import make_embedder
from fulcrum.context.service import ContextConfig, ContextService


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
