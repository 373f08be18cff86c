"""Python API introspection in the project's environment: ``python_api`` and the API docs index.

Both run :mod:`fulcrum.context.introspect_script` in a child process of the chosen
interpreter (default: this one; ``fulcrum mcp --python PATH`` for a project's own virtual
environment), so what the model sees is the version actually installed, and an import that
hangs or crashes costs a timeout, never the server.

The child gets a minimal environment (:func:`child_env`): what Python needs to find and import
the project's packages, and none of the server's other variables, so an API key in the
server's environment is not in the child's ``os.environ`` for ``python_api`` to show.
Importing a module runs it, so a name whose import runs a program (a ``__main__`` module,
``antigravity``) is refused before any child starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fulcrum.context.chunks import Chunk
from fulcrum.context.embed import Embedder
from fulcrum.context.indexer import embed_chunks
from fulcrum.context.store import IndexStore
from fulcrum.errors import InputError, NotFound, UpstreamTimeout

SCRIPT = Path(__file__).with_name("introspect_script.py")
TIMEOUT_S = 60.0
MAX_MODULES = 300
# what the child may inherit: finding and importing packages, text encoding, temp files, and
# the variables Windows needs to start a process at all; nothing else (no keys, no DISPLAY)
CHILD_VARS = frozenset({
    "PATH", "HOME", "PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUTF8", "VIRTUAL_ENV",
    "CONDA_PREFIX", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "USERPROFILE",
    "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT",
})  # fmt: skip
# standard-library modules that are all side effect (a browser opened, a poem printed)
RUN_ON_IMPORT = frozenset({"antigravity", "this"})


def child_env() -> dict[str, str]:
    """This process's variables named in ``CHILD_VARS`` or ``LC_*``: the child's environment."""
    return {k: v for k, v in os.environ.items() if k.upper() in CHILD_VARS or k.startswith("LC_")}


def _run(
    python: str, *args: str, param: str = "name", timeout_s: float = TIMEOUT_S
) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [python, str(SCRIPT), *args],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env=child_env(),
        )
    except subprocess.TimeoutExpired as exc:
        raise UpstreamTimeout(f"introspecting {args[1]!r} took over {timeout_s:.0f} s") from exc
    except OSError as exc:  # the interpreter was removed, or is not executable
        raise InputError(f"python: cannot run {python!r} ({exc.strerror})", param="python") from exc
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError as exc:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise NotFound(
            f"{param}: introspecting {args[1]!r} failed: {tail[0]}", param=param
        ) from exc
    if "error" in result:
        raise NotFound(f"{param}: {args[1]!r} not found ({result['error']})", param=param)
    return result


def _check_name(name: str, param: str = "name") -> None:
    """A dotted name, none of whose modules runs a program when imported: a ``__main__``
    (``venv.__main__`` creates virtual environments) or a ``RUN_ON_IMPORT`` module."""
    parts = name.split(".")
    if not name or not all(part.isidentifier() for part in parts):
        raise InputError(f"{param}: {name!r} is not a dotted Python name", param=param)
    if "__main__" in parts or parts[0] in RUN_ON_IMPORT:
        raise InputError(
            f"{param}: {name!r} is not introspected: importing it runs a program", param=param
        )


def python_api(name: str, *, python: str | None = None) -> dict[str, Any]:
    """Signature, docstring, source file and line, distribution and version of ``name``."""
    _check_name(name)
    return _run(python or sys.executable, "object", name)


def version_key(package: str, *, python: str | None = None) -> str:
    """``distribution==version`` of the installed package (``json==python-3.11.7`` for the
    standard library), read from its metadata without importing it."""
    _check_name(package, "packages")
    found = _run(python or sys.executable, "version", package, param="packages")
    if found.get("distribution"):
        return f"{found['distribution']}=={found.get('version') or '?'}"
    return f"{package}==python-{found.get('python') or '?'}"


def package_chunks(package: str, key: str, *, python: str | None = None) -> list[Chunk]:
    """One chunk per public class, function and method of an installed package."""
    result = _run(python or sys.executable, "package", package, str(MAX_MODULES), param="packages")
    chunks = []
    for e in result["entries"]:
        where = f"{e['file']}:{e['line']}" if e["file"] else "built-in"
        text = f"{e['name']}{e['signature']}\n{e['doc']}\n[{key}, {where}]".strip()
        line = int(e["line"] or 1)
        chunks.append(Chunk(f"python:{package}", line, line, e["name"], e["kind"], text))
    return chunks


def ensure_package(
    store: IndexStore, package: str, embedder: Embedder | None, *, python: str | None = None
) -> str:
    """Index ``package``'s API into ``store`` unless that version is already there (only its
    version is read then: importing a large package's modules takes seconds)."""
    marker = f"python:{package}"
    key = version_key(package, python=python)
    if store.file_hashes().get(marker) != key:
        chunks = package_chunks(package, key, python=python)
        store.put_file(marker, key, chunks, embed_chunks(embedder, chunks))
        store.commit()
    return key
