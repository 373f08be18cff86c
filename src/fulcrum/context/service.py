"""The context tools as one object: what the MCP server, the gateway and the eval agent call.

:class:`ContextConfig` is built once (flag > ``FULCRUM_*`` environment > default); the indexes
live in the data dir beside the ledger (``<data>/context/``), one SQLite file per repository
or docs folder and one for installed packages' API. :class:`ContextService` refreshes a
repository's index on first use and again when it is older than ``refresh_s`` (incremental:
only changed files are re-read), so an agent that edits files searches what is on disk. When
another process is writing the index (``fulcrum index``, another server) for longer than
``wait_s``, that refresh is skipped and the index as committed so far is served.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fulcrum.context import pyapi, web
from fulcrum.context.embed import Embedder, make_embedder
from fulcrum.context.indexer import IndexReport, Progress, index_repository
from fulcrum.context.repomap import repo_map
from fulcrum.context.search import Hit, check_mode, search, search_sources
from fulcrum.context.store import SERVE_WAIT_S, IndexBusy, IndexStore
from fulcrum.errors import InputError
from fulcrum.settings import ENV_PREFIX, Paths, pick

log = logging.getLogger(__name__)


def index_path(data: Path, root: Path, kind: str = "code") -> Path:
    root = root.resolve()
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return data / "context" / f"{kind}-{root.name or 'root'}-{digest}.sqlite3"


@dataclass(frozen=True)
class ContextConfig:
    root: Path
    data: Path
    embedder: str | None = None  # None: wordllama when installed, else lexical only
    search: str | None = None  # a web search provider spec ("searxng:URL", "brave")
    docs: tuple[Path, ...] = ()
    python: str | None = None  # the interpreter whose packages python_api introspects
    fetch_private: bool = False  # fetch_page may read loopback and private addresses
    refresh_s: float = 30.0

    @classmethod
    def build(
        cls,
        root: Path | None = None,
        *,
        embedder: str | None = None,
        search: str | None = None,
        docs: tuple[Path, ...] = (),
        python: str | None = None,
        fetch_private: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> ContextConfig:
        env = os.environ if env is None else env
        docs_env = tuple(Path(p) for p in env.get(ENV_PREFIX + "DOCS", "").split(os.pathsep) if p)
        return cls(
            root=(root or Path.cwd()).resolve(),
            data=Paths.build(env).data,
            embedder=pick(embedder, env.get(ENV_PREFIX + "EMBEDDER"), None, None),
            search=pick(search, env.get(ENV_PREFIX + "SEARCH"), None, None),
            docs=docs or docs_env,
            python=pick(python, env.get(ENV_PREFIX + "PYTHON"), None, None),
            fetch_private=fetch_private or _truthy(env.get(ENV_PREFIX + "FETCH_PRIVATE", "")),
        )


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


class ContextService:
    def __init__(
        self,
        config: ContextConfig,
        embedder: Embedder | str | None = "auto",
        *,
        wait_s: float = SERVE_WAIT_S,
    ) -> None:
        """``embedder``: "auto" makes the one the config names; an object or None is used as is.
        ``wait_s``: how long a refresh waits for another process's write lock on an index."""
        self.config, self.wait_s = config, wait_s
        self.embedder = make_embedder(config.embedder) if isinstance(embedder, str) else embedder
        self.provider = web.make_provider(config.search)
        self.code = IndexStore(index_path(config.data, config.root), wait_s=wait_s)
        self._lock = threading.RLock()
        self._refreshed = 0.0
        self._docs: dict[Path, IndexStore] = {}
        self._docs_refreshed: dict[Path, float] = {}
        self._api: IndexStore | None = None

    def close(self) -> None:
        for store in (self.code, *self._docs.values(), *([self._api] if self._api else [])):
            store.close()

    def refresh(self, progress: Progress | None = None) -> IndexReport:
        with self._lock:
            report = index_repository(self.code, self.config.root, self.embedder, progress=progress)
            self._refreshed = time.monotonic()
            return report

    def refresh_in_background(self) -> threading.Thread:
        """Start the first refresh now (a server's first search then waits less, or not at all)."""
        thread = threading.Thread(target=self._fresh, name="fulcrum-context-index", daemon=True)
        thread.start()
        return thread

    def _fresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._refreshed > self.config.refresh_s or not self._refreshed:
                try:
                    self.refresh()
                except IndexBusy as exc:  # being refreshed elsewhere: serve what it committed
                    log.warning("%s; serving the index as it is", exc.message)
                    self._refreshed = time.monotonic()

    def search_code(
        self, query: str, *, limit: int = 10, mode: str = "hybrid", path: str | None = None
    ) -> list[Hit]:
        check_mode(mode, self.embedder)
        with self._lock:
            self._fresh()
            return search(
                self.code, self.embedder, query, limit=limit, mode=mode, path_prefix=self._in(path)
            )

    def repo_map(self, *, max_tokens: int = 1024, path: str = "") -> str:
        with self._lock:
            self._fresh()
            return repo_map(
                self.code.all_chunks(), max_tokens=max_tokens, path_prefix=self._in(path) or ""
            )

    def _in(self, path: str | None) -> str | None:
        """A path filter as the index spells paths: an absolute one made relative to the root.
        Its last part is not resolved: a link in the repository is indexed under its own name
        (its folder is, should the root be reached through a link)."""
        if not path or not os.path.isabs(path):
            return path
        root = self.config.root.resolve()
        given = Path(os.path.normpath(path))
        for spelled in (given, given.parent.resolve() / given.name):
            if spelled.is_relative_to(root):
                return spelled.relative_to(root).as_posix()
        message = f"path: {path!r} is outside the repository ({root}); give a relative path"
        raise InputError(message, param="path")

    def python_api(self, name: str) -> dict[str, Any]:
        return pyapi.python_api(name, python=self.config.python)

    def _docs_store(self, folder: Path) -> IndexStore:
        """The folder's index, refreshed on first use and when older than ``refresh_s``."""
        store = self._docs.get(folder)
        if store is None:
            path = index_path(self.config.data, folder, "docs")
            store = self._docs[folder] = IndexStore(path, wait_s=self.wait_s)
        stale = time.monotonic() - self._docs_refreshed.get(folder, -math.inf)
        if folder.is_dir() and stale > self.config.refresh_s:
            index_repository(store, folder, self.embedder)
            self._docs_refreshed[folder] = time.monotonic()
        return store

    def _api_store(self) -> IndexStore:
        if self._api is None:
            path = self.config.data / "context" / "python-api.sqlite3"
            self._api = IndexStore(path, wait_s=self.wait_s)
            name = self.embedder.name if self.embedder else "none"
            if self._api.meta("embedder") not in (None, name):
                self._api.clear()
            self._api.set_meta("embedder", name)
        return self._api

    def search_docs(
        self, query: str, *, limit: int = 10, packages: tuple[str, ...] = ()
    ) -> list[Hit]:
        """Docs folders and the named packages' API ranked as one list (``search_sources``);
        a docs hit's path is its file's absolute path (two folders may hold the same name)."""
        if not packages and not self.config.docs:
            raise InputError(
                "packages: name at least one installed package (or start the server with --docs)",
                param="packages",
            )
        with self._lock:
            sources = [(self._docs_store(folder), "") for folder in self.config.docs]
            for package in dict.fromkeys(packages):
                store = self._api_store()
                pyapi.ensure_package(store, package, self.embedder, python=self.config.python)
                sources.append((store, f"python:{package}"))
            found = search_sources(sources, self.embedder, query, limit=limit)
        folders = [folder.resolve() for folder in self.config.docs]
        return [
            replace(hit, path=str(folders[n] / hit.path)) if n < len(folders) else hit
            for n, hit in found
        ]
