"""Which files of a repository are indexed, and how their bytes become text.

:func:`walk` skips VCS, virtual environment, cache and build folders by name (unless git tracks
files in one: pypa/build's ``src/build/``), and, in a git work tree, what git ignores (``git
ls-files --others --ignored --exclude-standard``, asked of the root and of every nested
repository found, so each one's own ``.gitignore`` applies); without git the names decide. A
symbolic link is followed only to a file inside the root (never outside it, never dangling).
:func:`read_source` refuses binary files, files over :data:`MAX_FILE_BYTES` and minified or
generated ones (``*.min.js``, or long text in very long lines); :func:`decode` reads the rest:
a BOM's encoding, else UTF-8, else Windows-1252.
"""

from __future__ import annotations

import codecs
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

MAX_FILE_BYTES = 1_000_000
MINIFIED_MIN_BYTES = 20_000
MINIFIED_LINE_BYTES = 300  # mean bytes per line above which a long file counts as minified
GIT_TIMEOUT_S = 60.0
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
     ".ruff_cache", ".pytest_cache", ".tox", "build", "dist", "site-packages", ".eggs"}
)  # fmt: skip
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
TEXT_SUFFIXES = frozenset(
    {".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java", ".kt",
     ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".rb", ".php", ".swift", ".scala", ".lua", ".sh",
     ".sql", ".md", ".markdown", ".mdx", ".rst", ".txt", ".html", ".htm", ".toml", ".yaml",
     ".yml", ".cfg", ".ini", ".json"}
)  # fmt: skip
BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def _git(repo: Path, *args: str) -> list[str]:
    """``git ls-files -z ARGS`` in ``repo``: paths relative to it; none outside a work tree or
    without git."""
    argv = ["git", "-C", str(repo), "ls-files", "-z", *args]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    if done.returncode != 0:
        return []
    return [e.rstrip("/") for e in os.fsdecode(done.stdout).split("\0") if e.rstrip("/")]


def git_view(repo: Path, prefix: str = "") -> tuple[set[str], set[str]]:
    """(what git ignores under ``repo``, folders holding files it tracks), each path as
    ``prefix`` + its path under ``repo``."""
    ignored = _git(repo, "--others", "--ignored", "--exclude-standard", "--directory")
    tracked: set[str] = set()
    for path in _git(repo):
        parts = path.split("/")[:-1]
        tracked.update(prefix + "/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return {prefix + p for p in ignored if p != "."}, tracked


def _inside(path: Path, root: Path) -> bool:
    """A regular file, and (when ``path`` is a link) one whose target lies inside ``root``."""
    if not path.is_symlink():
        return path.is_file()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop
        return False
    return target.is_file() and target.is_relative_to(root)


def walk(root: Path, suffixes: frozenset[str] = TEXT_SUFFIXES) -> Iterator[Path]:
    """The indexable files under ``root`` (resolved) in a stable order."""
    root = root.resolve()
    ignored, tracked = git_view(root)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        rel = "" if here == root else here.relative_to(root).as_posix() + "/"
        if rel and (here / ".git").exists():  # a nested repository: its own ignore rules
            inner_ignored, inner_tracked = git_view(here, rel)
            ignored |= inner_ignored
            tracked |= inner_tracked
        dirs[:] = sorted(d for d in dirs if _keep_dir(rel + d, d, ignored, tracked))
        for name in sorted(files):
            path = here / name
            if (
                path.suffix.lower() in suffixes
                and rel + name not in ignored
                and _inside(path, root)
            ):
                yield path


def _keep_dir(rel: str, name: str, ignored: set[str], tracked: set[str]) -> bool:
    """Not ignored, and not named like a build, cache or environment folder unless git tracks
    files in it (pypa/build's ``src/build/``, CPython's ``Lib/venv/``)."""
    if rel in ignored or name in VCS_DIRS:
        return False
    return rel in tracked or (name not in SKIP_DIRS and not name.endswith(".egg-info"))


def _minified(name: str, data: bytes) -> bool:
    if ".min." in name.lower():
        return True
    return (
        len(data) > MINIFIED_MIN_BYTES and len(data) / (data.count(b"\n") + 1) > MINIFIED_LINE_BYTES
    )


def read_source(path: Path) -> bytes | None:
    """The file's bytes, or None for a binary, oversized or minified file."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if _minified(path.name, data):
        return None
    if any(data.startswith(bom) for bom, _ in BOMS):
        return data if "\0" not in decode(data)[:8192] else None
    return None if b"\0" in data[:8192] else data


def decode(data: bytes) -> str:
    """Text in the BOM's encoding, else UTF-8, else Windows-1252 (Latin-1 where it has holes),
    with Windows line ends made ``\\n``."""
    return _decode(data).replace("\r\n", "\n")


def _decode(data: bytes) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
