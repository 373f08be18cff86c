"""Files the user named: one error that names the file and what went wrong, never a traceback.

:func:`read_text` reads UTF-8 (a leading byte-order mark, as spreadsheets and some editors
write it, is dropped); a file that cannot be read, or is not UTF-8, is one
:class:`~fulcrum.errors.ConfigError` naming it (exit 2). :func:`write_output` writes what a
flag (``--csv``, ``--html``, ``-o``) asked for; a path that cannot be written is one
:class:`~fulcrum.errors.InputError` naming the flag and the path.
"""

from __future__ import annotations

from pathlib import Path

from fulcrum.errors import ConfigError, InputError


def read_text(path: Path) -> str:
    """The file's text."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except IsADirectoryError:
        raise ConfigError("a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise ConfigError(
            f"not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); save it as UTF-8",
            file=str(path),
        ) from None


def write_output(flag: str, path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path``, which ``flag`` named."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{flag}: cannot write {path}: {exc.strerror}", param=flag) from None
