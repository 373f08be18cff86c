"""Files the user named: one error that names the file and what went wrong, never a traceback.

:func:`decode` turns a file's bytes into text: UTF-8, a leading byte-order mark (as
spreadsheets and some editors write it) dropped; UTF-16 or UTF-32, or bytes of another
encoding, raise :class:`ValueError` saying so (the byte and its line). :func:`read_text` reads
a named file through it: a file that cannot be read, or is not UTF-8, is one
:class:`~fulcrum.errors.ConfigError` naming it (exit 2); an importer that reports problems
per file calls :func:`decode` itself. :func:`read_toml` (and :func:`parse_toml` for text in
hand) adds TOML's syntax to that: one error naming the file. :func:`write_output` writes what
a flag (``--csv``, ``--html``, ``-o``) asked for; a path that cannot be written is one
:class:`~fulcrum.errors.InputError` naming the flag and the path. :func:`check_outputs`
refuses, before any work, an output that is one of the command's inputs or another output.
"""

from __future__ import annotations

import codecs
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fulcrum.errors import ConfigError, InputError

WIDE = "not UTF-8: it looks like UTF-16 or UTF-32; save it as UTF-8"


def is_wide(data: bytes) -> bool:
    """UTF-16 or UTF-32: a byte-order mark, or NUL and other bytes in the first four (a file
    that starts with NUL bytes only, as after a crash, is not taken for one)."""
    head = data[:4]
    bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return bom or (b"\x00" in head and bool(head.strip(b"\x00")))


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, a byte-order mark dropped."""
    if is_wide(data):
        raise ValueError(WIDE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} on line {line}; save it as UTF-8"
        ) from None


def read_text(path: Path) -> str:
    """The file's text."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError("a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    try:
        return decode(data)
    except ValueError as exc:
        raise ConfigError(str(exc), file=str(path)) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text read from ``source``; a syntax error is one ConfigError naming it."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", file=source) from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables (see :func:`read_text` and :func:`parse_toml`)."""
    return parse_toml(read_text(path), str(path))


def check_outputs(inputs: Mapping[str, Path | None], outputs: Mapping[str, Path | None]) -> None:
    """Refuse an output (by its flag) that is the same file as an input or as an earlier
    output: writing it would destroy what the command reads, or what it wrote first."""
    seen: dict[str, str] = {os.path.realpath(p): name for name, p in inputs.items() if p}
    for flag, path in outputs.items():
        if path is None:
            continue
        same = seen.get(os.path.realpath(path))
        if same is not None:
            raise InputError(f"{flag}: {path} is also {same}; give another file (it would be "
                             "overwritten)", param=flag)  # fmt: skip
        seen[os.path.realpath(path)] = flag


def write_output(flag: str, path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path``, which ``flag`` named."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{flag}: cannot write {path}: {exc.strerror}", param=flag) from None
