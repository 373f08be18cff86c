"""What the agents' JSONL logs share: the files under a path, each counted and its progress
told, and a file's bytes or why not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fulcrum.errors import InputError
from fulcrum.textfiles import WIDE, is_wide
from fulcrum.usage.records import ImportContext, ImportLog


def jsonl_files(source: str) -> list[Path]:
    """``source`` itself, or the ``.jsonl`` files below it, sorted; InputError when absent."""
    path = Path(source).expanduser()
    if not path.exists():
        raise InputError(f"{source}: no such file or directory")
    return [path] if path.is_file() else sorted(path.rglob("*.jsonl"))


def each_file(source: str, log: ImportLog, ctx: ImportContext) -> Iterator[Path]:
    """The files of :func:`jsonl_files`, each counted in ``log`` as it is given and reported to
    ``ctx.progress`` once read."""
    files = jsonl_files(source)
    for done, file in enumerate(files, 1):
        log.files += 1
        yield file
        ctx.progress(done, len(files))


def file_bytes(file: Path, log: ImportLog) -> bytes | None:
    """The file's bytes; None (and a problem logged) when it cannot be read or is UTF-16."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        log.problem(file, 0, f"cannot read: {exc.strerror}")
        return None
    if is_wide(data):
        log.problem(file, 0, WIDE)
        return None
    return data
