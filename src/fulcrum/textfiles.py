"""Reading a text file the user named: one error that names the file and what went wrong.

:func:`read_text` reads UTF-8 (a leading byte-order mark, as spreadsheets and some editors
write it, is dropped); a file that cannot be read, or is not UTF-8, is one
:class:`~fulcrum.errors.ConfigError` naming it (exit 2), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from fulcrum.errors import ConfigError


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
