"""Build or refresh a repository's index; a re-index touches only files whose hash changed.

:func:`index_repository` walks the root (``context.files``: skipping VCS, virtual environment,
cache and build folders, what git ignores, links out of the root, binary, minified and oversized
files), and reads and hashes a file only when its size or modification time differs from those
its stored hash stands for (a refresh of a large repository reads nothing that did not change;
a file changed in the last two seconds is always hashed): a file whose hash is unchanged is
not chunked or embedded again; a changed or new one is re-chunked and re-embedded; a vanished
(or newly ignored) one is dropped. A file that cannot be indexed (binary, oversized, minified,
or named with bytes that are not UTF-8) is skipped, the rest indexed. The :class:`IndexReport`
names exactly which files were (re)indexed, removed and skipped.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fulcrum.context.chunks import Chunk, chunk_file
from fulcrum.context.embed import Embedder, Vectors
from fulcrum.context.files import TEXT_SUFFIXES, decode, read_source, walk

__all__ = ["INDEX_FORMAT", "IndexReport", "embed_chunks", "index_repository", "walk"]
from fulcrum.context.store import COMMIT_S, IndexStore, busy_error, is_busy, split_identifiers

EMBED_BATCH = 32
INDEX_FORMAT = 3  # bump when chunking or embedding_text changes: old indexes are rebuilt

Progress = Callable[[int, int], None]  # (files done, files total)


@dataclass
class IndexReport:
    root: str
    scanned: int = 0
    indexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # found, not indexable: see _visit
    chunks_added: int = 0
    lines_indexed: int = 0
    seconds: float = 0.0
    rebuilt: bool = False


def index_repository(
    store: IndexStore,
    root: Path,
    embedder: Embedder | None,
    *,
    progress: Progress | None = None,
    suffixes: frozenset[str] = TEXT_SUFFIXES,
) -> IndexReport:
    """Refresh ``store`` from ``root``, committing at least every ``COMMIT_S`` (each file's
    chunks and stat in one transaction); :class:`IndexBusy` when another writer holds the lock
    longer than the store waits (what was committed before stays)."""
    try:
        return _index(store, root, embedder, progress=progress, suffixes=suffixes)
    except sqlite3.OperationalError as exc:
        store.rollback()
        if is_busy(exc):
            raise busy_error(store.path, store.wait_s) from exc
        raise


def _index(
    store: IndexStore,
    root: Path,
    embedder: Embedder | None,
    *,
    progress: Progress | None,
    suffixes: frozenset[str],
) -> IndexReport:
    start = last_commit = time.perf_counter()
    root = root.resolve()
    report = IndexReport(root=str(root))
    embedder_name = f"{embedder.name if embedder is not None else 'none'}/v{INDEX_FORMAT}"
    if store.meta("embedder") not in (None, embedder_name) or store.meta("root") != str(root):
        store.clear()
        report.rebuilt = True
    store.set_meta("embedder", embedder_name)
    store.set_meta("root", str(root))
    store.commit()
    known, stats = store.file_hashes(), store.file_stats()
    files = list(walk(root, suffixes))
    seen: set[str] = set()
    for n, path in enumerate(files, 1):
        rel = path.relative_to(root).as_posix()
        if _visit(store, path, rel, known=known, stats=stats, embedder=embedder, report=report):
            seen.add(rel)
        else:
            report.skipped.append(_printable(rel))
        if time.perf_counter() - last_commit > COMMIT_S:
            store.commit()  # another process waiting for the lock gets it now
            last_commit = time.perf_counter()
        if progress is not None:
            progress(n, len(files))
    for rel in sorted(set(known) - seen):
        store.remove_file(rel)
        report.removed.append(rel)
    store.commit()
    report.scanned = len(files)
    report.seconds = time.perf_counter() - start
    return report


def _visit(
    store: IndexStore,
    path: Path,
    rel: str,
    *,
    known: dict[str, str],
    stats: dict[str, tuple[int, int]],
    embedder: Embedder | None,
    report: IndexReport,
) -> bool:
    """Index ``path`` if it changed; False when it cannot be indexed (binary, oversized,
    minified, or a name that is not UTF-8: the index, the tokenizer and JSON need text)."""
    if not _is_text(rel):
        return False
    stat = _stat(path)
    if rel in known and stat is not None and stats.get(rel) == stat:
        return True  # the same size and time as when its hash was confirmed: not read
    data = read_source(path)
    if data is None:
        return False
    digest = hashlib.sha256(data).hexdigest()
    if known.get(rel) != digest:
        _index_file(store, rel, text=decode(data), digest=digest, embedder=embedder, report=report)
    store.set_stat(rel, _settled(stat))
    return True


def _is_text(name: str) -> bool:
    """Whether ``name`` is valid text (a name that is not UTF-8 holds lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    """``name`` with the bytes of a name that is not UTF-8 written as ``\\xe9``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# A file changed less than this long ago may change again within the same mtime tick without
# its time moving (git's "racy" files): its size and time are not trusted until it is older.
SETTLED_NS = 2_000_000_000


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _settled(stat: tuple[int, int] | None) -> tuple[int, int] | None:
    """``stat`` when the file has not changed for a while, else None (hash it next time)."""
    return stat if stat is not None and time.time_ns() - stat[1] > SETTLED_NS else None


def embedding_text(c: Chunk) -> str:
    """What a chunk's vector is made of: its symbol, path and text, identifiers also as words
    (a word-level embedder knows "load settings" better than ``load_settings``)."""
    return (
        f"{split_identifiers(c.symbol)} {c.symbol}\n{c.path}\n{split_identifiers(c.text)}\n{c.text}"
    )


def embed_chunks(embedder: Embedder | None, chunks: list[Chunk]) -> Vectors | None:
    """The chunks' vectors (symbol, path and text embedded together), or None without one."""
    if embedder is None or not chunks:
        return None
    texts = [embedding_text(c) for c in chunks]
    parts = [embedder.embed(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
    return np.vstack(parts)


def _index_file(
    store: IndexStore,
    rel: str,
    *,
    text: str,
    digest: str,
    embedder: Embedder | None,
    report: IndexReport,
) -> None:
    chunks = chunk_file(rel, text)
    store.put_file(rel, digest, chunks, embed_chunks(embedder, chunks))
    report.indexed.append(rel)
    report.chunks_added += len(chunks)
    report.lines_indexed += text.count("\n") + 1
