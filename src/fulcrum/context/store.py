"""The on-disk index: one SQLite file per repository, beside the ledger in the data dir.

Tables: ``files`` (path, content hash: what incremental re-indexing compares), ``chunks`` (path,
line range, symbol, kind, text, the embedding as a float32 blob or NULL), ``chunks_fts`` (an
FTS5 table whose rowid is the chunk's id; its ``terms`` column holds the text with identifiers
split: ``parseConfig``/``parse_config`` also index ``parse`` and ``config``) and ``meta``
(the embedder's name: an index built with another embedder is rebuilt, never mixed).

Vectors are searched exactly: a matrix product over all rows, loaded once per
:class:`IndexStore` and again when the index changed (a write through this store, or a commit
by another connection or process, which SQLite's ``PRAGMA data_version`` tells). This Python's
``sqlite3`` cannot load extensions such as sqlite-vec, and at a few thousand chunks per 100,000
lines a flat search takes milliseconds.

Several processes share an index (``fulcrum index`` beside a running ``fulcrum mcp``, two
servers): the file is in WAL mode, so reading never waits for a writer; a writer commits at
least every :data:`COMMIT_S` (``index_repository``), so another waits for the lock briefly, up to
``wait_s`` (:data:`SERVE_WAIT_S` unless told), and then gets :class:`IndexBusy`. The schema is
written only when the file lacks it (``PRAGMA user_version``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from fulcrum.context.chunks import Chunk
from fulcrum.context.embed import Vectors
from fulcrum.errors import Unavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_stats (path TEXT PRIMARY KEY, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL, symbol TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
    vector BLOB);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks (path);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (symbol, path, terms);
"""

SCHEMA_VERSION = 1  # PRAGMA user_version once SCHEMA is written
SERVE_WAIT_S = 3.0  # how long a store waits for another writer's lock by default
COMMIT_S = 0.5  # a long write commits at least this often, letting other writers in


class IndexBusy(Unavailable):
    """Another process held the index's write lock for longer than this store waits."""


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """``database is locked`` (SQLITE_BUSY, SQLITE_LOCKED and their extended codes)."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def busy_error(path: Path, wait_s: float) -> IndexBusy:
    return IndexBusy(
        f"index {path}: another process is writing it (waited {wait_s:g} s for its lock); "
        "try again when it is done"
    )


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def split_identifiers(text: str) -> str:
    """The words inside identifiers (``readConfigFile`` -> ``read Config File``), each
    identifier once, in the order of first use (a set's order would change with the hash
    seed, and with it the embedding of a text the embedder truncates)."""
    words = []
    for ident in dict.fromkeys(_IDENT.findall(text)):
        parts = _CAMEL.findall(ident)
        if len(parts) > 1:
            words.append(" ".join(parts))
    return " ".join(words)


def _in_folder(folder: str) -> tuple[str, tuple[str | int, ...]]:
    """An ``AND`` clause on ``chunks.path``: ``folder`` itself or a path under it (compared
    exactly: ``LIKE`` would ignore case and read ``_`` as a wildcard)."""
    if not folder:
        return "", ()
    clause = "AND (chunks.path = ? OR substr(chunks.path, 1, ?) = ?)"
    return clause, (folder, len(folder) + 1, folder + "/")


class IndexStore:
    def __init__(self, path: Path, *, wait_s: float = SERVE_WAIT_S) -> None:
        """Open (or create) the index; ``wait_s``: how long a write waits for another's lock."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.wait_s = path, wait_s
        self.db = sqlite3.connect(path, timeout=wait_s, check_same_thread=False)
        try:
            self._open()
        except sqlite3.OperationalError as exc:
            self.db.close()
            if is_busy(exc):
                raise busy_error(path, wait_s) from exc
            raise
        self._matrix: tuple[list[int], Vectors] | None = None
        self._rows: dict[int, int] = {}
        self._matrix_version = -1  # the data_version the matrix was read at

    def _open(self) -> None:
        """WAL mode (readers never wait for a writer) and the schema, when not yet there."""
        try:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")  # safe in WAL; commits stay cheap
        except sqlite3.OperationalError as exc:  # an older writer holds it: converted next time
            if not is_busy(exc):
                raise
        if self.db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            self.db.executescript(f"{SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};")

    def close(self) -> None:
        self.db.close()

    def rollback(self) -> None:
        self.db.rollback()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def clear(self) -> None:
        self.db.executescript(
            "DELETE FROM files; DELETE FROM file_stats; DELETE FROM chunks; DELETE FROM chunks_fts;"
        )
        self._matrix = None

    def file_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, hash FROM files"))

    def file_stats(self) -> dict[str, tuple[int, int]]:
        """Each file's size and modification time when its hash was last confirmed."""
        rows = self.db.execute("SELECT path, size, mtime_ns FROM file_stats")
        return {path: (size, mtime) for path, size, mtime in rows}

    def set_stat(self, path: str, stat: tuple[int, int] | None) -> None:
        """Record (or, with None, forget) the size and mtime that ``path``'s hash stands for."""
        if stat is None:
            self.db.execute("DELETE FROM file_stats WHERE path = ?", (path,))
        else:
            self.db.execute("INSERT OR REPLACE INTO file_stats VALUES (?, ?, ?)", (path, *stat))

    def remove_file(self, path: str) -> None:
        ids = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE path = ?", (path,))]
        self.db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", ((i,) for i in ids))
        self.db.execute("DELETE FROM chunks WHERE path = ?", (path,))
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        self.db.execute("DELETE FROM file_stats WHERE path = ?", (path,))
        self._matrix = None

    def put_file(
        self, path: str, digest: str, chunks: Sequence[Chunk], vectors: Vectors | None
    ) -> None:
        """Replace everything stored for ``path`` (its chunks are stored under ``path``)."""
        self.remove_file(path)
        self.db.execute("INSERT INTO files VALUES (?, ?)", (path, digest))
        for n, c in enumerate(chunks):
            blob = None if vectors is None else vectors[n].astype(np.float32).tobytes()
            cur = self.db.execute(
                "INSERT INTO chunks (path, start_line, end_line, symbol, kind, text, vector)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (path, c.start_line, c.end_line, c.symbol, c.kind, c.text, blob),
            )
            terms = f"{c.text}\n{split_identifiers(c.symbol + ' ' + c.text)}"
            self.db.execute(
                "INSERT INTO chunks_fts (rowid, symbol, path, terms) VALUES (?, ?, ?, ?)",
                (cur.lastrowid, c.symbol + " " + split_identifiers(c.symbol), path, terms),
            )

    def commit(self) -> None:
        self.db.commit()

    def lexical(self, match: str, limit: int, folder: str = "") -> list[tuple[int, float]]:
        """(chunk id, bm25 score: higher is better) for an FTS5 ``MATCH`` expression, only
        chunks in ``folder`` (a file or a folder; ``""``: all); ties by path and line."""
        where, args = _in_folder(folder)
        rows = self.db.execute(
            "SELECT chunks_fts.rowid, bm25(chunks_fts, 4.0, 2.0, 1.0) FROM chunks_fts"
            " JOIN chunks ON chunks.id = chunks_fts.rowid"
            f" WHERE chunks_fts MATCH ? {where} ORDER BY 2, chunks.path, chunks.start_line"
            " LIMIT ?",
            (match, *args, limit),
        )
        return [(int(i), -float(s)) for i, s in rows]

    def ids_in(self, folder: str) -> set[int]:
        """The ids of the chunks in ``folder`` (a file or a folder)."""
        where, args = _in_folder(folder)
        return {int(r[0]) for r in self.db.execute(f"SELECT id FROM chunks WHERE 1 {where}", args)}

    def _data_version(self) -> int:
        """A number that changes when another connection commits to the file (this one's own
        writes clear the matrix themselves)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def vectors(self) -> tuple[list[int], Vectors]:
        version = self._data_version()
        if self._matrix is None or version != self._matrix_version:
            self._matrix_version = version
            rows = self.db.execute("SELECT id, vector FROM chunks WHERE vector IS NOT NULL")
            ids, blobs = [], []
            for i, blob in rows:
                ids.append(int(i))
                blobs.append(np.frombuffer(blob, dtype=np.float32))
            matrix = np.vstack(blobs) if blobs else np.zeros((0, 1), dtype=np.float32)
            self._matrix = (ids, matrix)
            self._rows = {chunk_id: row for row, chunk_id in enumerate(ids)}
        return self._matrix

    def similarity(self, ids: Sequence[int], query: Vectors) -> list[float]:
        """Cosine of each chunk's vector with ``query`` (0 for a chunk without a vector)."""
        _ids, matrix = self.vectors()
        rows = [self._rows.get(i) for i in ids]
        return [0.0 if r is None else float(matrix[r] @ query) for r in rows]

    def chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            "SELECT id, path, start_line, end_line, symbol, kind, text FROM chunks"
            f" WHERE id IN ({marks})",
            wanted,
        )
        return {int(r[0]): Chunk(*r[1:]) for r in rows}

    def all_chunks(self) -> list[Chunk]:
        rows = self.db.execute(
            "SELECT path, start_line, end_line, symbol, kind, text FROM chunks ORDER BY id"
        )
        return [Chunk(*r) for r in rows]

    def counts(self) -> tuple[int, int]:
        files = self.db.execute("SELECT count(*) FROM files").fetchone()[0]
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return int(files), int(chunks)
