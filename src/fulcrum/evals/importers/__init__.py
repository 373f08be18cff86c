"""Importers turn other layouts into fulcrum specs; each is a module in :data:`IMPORTERS`.

An importer exposes ``name``, ``help`` and ``import_spec(source: Path, dest: Path) -> Path``
(returning the new spec directory), building it in :func:`staged` so that a failed import leaves
nothing behind. Adding a layout is adding a module and a line here.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from fulcrum.errors import ConfigError, InputError

IMPORTERS: dict[str, str] = {
    "exercism": "fulcrum.evals.importers.exercism",
    "git": "fulcrum.evals.importers.gitcommit",
}


class Importer(Protocol):
    name: str
    help: str

    def import_spec(self, source: Path, dest: Path) -> Path: ...


def get_importer(name: str) -> Importer:
    if name not in IMPORTERS:
        raise InputError(f"unknown importer {name!r}; accepted: {', '.join(sorted(IMPORTERS))}")
    module = importlib.import_module(IMPORTERS[name])
    importer: Importer = module.IMPORTER
    return importer


@contextmanager
def staged(root: Path) -> Iterator[Path]:
    """A scratch directory to build the spec in, moved to ``root`` when the block succeeds and
    removed when it fails (so a re-run does not find a half-written ``root``)."""
    if root.exists():
        raise ConfigError("already exists; remove it or pick another destination", file=str(root))
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror}", file=str(root.parent)) from None
    try:
        work = scratch / root.name
        work.mkdir()  # not mkdtemp's 0700: the spec gets the usual permissions
        yield work
        work.rename(root)
    except OSError as exc:
        raise ConfigError(
            f"cannot import ({exc.strerror}: {exc.filename})", file=str(root)
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
