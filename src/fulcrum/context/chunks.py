"""Chunks: the unit the index stores and search returns, and the registry of chunkers.

A chunker turns one file's text into :class:`Chunk` s (a symbol with its line range). Chunkers
are registered by file suffix in :data:`CHUNKERS` (``register(".py", chunker)``); a file whose
suffix has none gets :func:`line_windows`, fixed windows of lines that overlap a little. Core
code never names a language: the tree-sitter chunkers (``context.treesitter``) and the text
chunkers (``context.textchunks``) register themselves when :func:`chunk_file` first runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_LINES = 60
WINDOW_OVERLAP = 10
MAX_CHUNK_LINES = 120

CHUNKER_MODULES: tuple[str, ...] = ("fulcrum.context.treesitter", "fulcrum.context.textchunks")


@dataclass(frozen=True, slots=True)
class Chunk:
    """``start_line``/``end_line`` are 1-based and inclusive; ``symbol`` may be empty."""

    path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str  # "function" | "class" | "method" | "section" | "window" | "module"
    text: str


Chunker = Callable[[str, str], list[Chunk]]  # (path, text) -> chunks

CHUNKERS: dict[str, Chunker] = {}
_loaded = False


def register(suffix: str, chunker: Chunker) -> None:
    """Make ``chunker`` the one for files ending in ``suffix`` (".py", ".md" ...)."""
    CHUNKERS[suffix.lower()] = chunker


def _load_chunkers() -> None:
    global _loaded  # noqa: PLW0603 - the registry is filled once, on first use
    if not _loaded:
        for name in CHUNKER_MODULES:
            importlib.import_module(name)
        _loaded = True


def chunker_for(path: str) -> Chunker:
    _load_chunkers()
    dot = path.rfind(".")
    suffix = path[dot:].lower() if dot > path.rfind("/") else ""
    return CHUNKERS.get(suffix, line_windows)


def chunk_file(path: str, text: str) -> list[Chunk]:
    """The chunks of one file; never empty for a file with any non-blank text."""
    chunks = chunker_for(path)(path, text)
    if not chunks and text.strip():
        return line_windows(path, text)
    return chunks


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, split at ``\\n`` only (a ``\\r`` before it dropped): what editors
    and tree-sitter number. ``str.splitlines`` also splits at form feeds, U+2028, NEL and
    others, which would shift every line number after one."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def line_windows(path: str, text: str, *, first_line: int = 1, symbol: str = "") -> list[Chunk]:
    """Windows of :data:`WINDOW_LINES` lines overlapping by :data:`WINDOW_OVERLAP`."""
    lines = split_lines(text)
    chunks: list[Chunk] = []
    step = WINDOW_LINES - WINDOW_OVERLAP
    for start in range(0, max(len(lines), 1), step):
        part = lines[start : start + WINDOW_LINES]
        if "".join(part).strip():
            end = start + len(part)
            body = "\n".join(part)
            chunks.append(
                Chunk(path, first_line + start, first_line + end - 1, symbol, "window", body)
            )
        if start + WINDOW_LINES >= len(lines):
            break
    return chunks


def folder_of(path: str | None) -> str:
    """A path filter as the index spells paths: forward slashes, no ``./`` or trailing slash
    (``"./src\\"`` -> ``"src"``; ``""`` is the whole repository)."""
    parts = [p for p in (path or "").replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def in_folder(path: str, folder: str) -> bool:
    """``path`` is ``folder`` itself (a file) or lies under it (``src`` holds not ``src2/x``)."""
    return not folder or path == folder or path.startswith(folder + "/")


def split_long(chunk: Chunk) -> list[Chunk]:
    """A chunk longer than :data:`MAX_CHUNK_LINES` as windows that keep its symbol."""
    if chunk.end_line - chunk.start_line < MAX_CHUNK_LINES:
        return [chunk]
    windows = line_windows(chunk.path, chunk.text, first_line=chunk.start_line, symbol=chunk.symbol)
    return [Chunk(w.path, w.start_line, w.end_line, w.symbol, chunk.kind, w.text) for w in windows]
