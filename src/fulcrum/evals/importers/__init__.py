"""Importers turn other layouts into fulcrum specs; each is a module in :data:`IMPORTERS`.

An importer exposes ``name``, ``help`` and ``import_spec(source: Path, dest: Path) -> Path``
(returning the new spec directory). Adding a layout is adding a module and a line here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from fulcrum.errors import InputError

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
