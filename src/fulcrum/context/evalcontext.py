"""Context for the eval harness's built-in agent (``fulcrum eval run --context``).

The built-in agent speaks plain chat with no tool loop, so its context comes in the first
prompt: :func:`task_context` returns a section with (1) the ``search_code`` hits for the
instruction among the workdir's files not already shown in full, and (2) the installed
version's signature and first docstring paragraph of every name the editable files import
(``python_api``, in the interpreter that runs the tests). Both within one token budget, so a
team measures the uplift of the same tools a local model gets over MCP, with the paired
statistics of ``fulcrum eval stats``.
"""

from __future__ import annotations

import ast
import tempfile
from functools import cache
from pathlib import Path

from fulcrum.context.embed import Embedder, make_embedder
from fulcrum.context.inject import CHARS_PER_TOKEN, pack
from fulcrum.context.pyapi import python_api
from fulcrum.context.service import ContextConfig, ContextService
from fulcrum.errors import FulcrumError

MAX_NAMES = 12
SECTION = "\n\n## Context (retrieved; the installed versions)\n"


@cache
def _embedder(spec: str | None) -> Embedder | None:
    return make_embedder(spec)


def imported_names(files: dict[str, str]) -> list[str]:
    """Dotted names the Python files import (``from a import b`` -> ``a.b``), first seen first."""
    names: list[str] = []
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            elif isinstance(node, ast.Import):
                names += [a.name for a in node.names]
    return list(dict.fromkeys(names))[:MAX_NAMES]


def api_notes(names: list[str], budget_chars: int, python: str | None = None) -> str:
    """One line per name that resolves, while they fit ``budget_chars``."""
    notes: list[str] = []
    for name in names:
        try:
            found = python_api(name, python=python)
        except FulcrumError:
            continue
        origin = " ".join(str(found[k]) for k in ("distribution", "version") if found[k])
        doc = " ".join(str(found["doc"]).split("\n\n")[0].split())[:400]
        line = f"- `{name}{found['signature'] or ''}`{f' ({origin})' if origin else ''}: {doc}"
        if len(line) + 1 > budget_chars:
            break
        notes.append(line)
        budget_chars -= len(line) + 1
    return "\n".join(notes)


def task_context(
    workdir: Path,
    instruction: str,
    shown: dict[str, str],
    *,
    budget_tokens: int = 1500,
    embedder: str | None = "none",
    python: str | None = None,
) -> str:
    """The context section for a task ("" when nothing relevant was found)."""
    notes = api_notes(imported_names(shown), int(budget_tokens * CHARS_PER_TOKEN) // 2, python)
    left = budget_tokens - round(len(notes) / CHARS_PER_TOKEN)
    code = ""
    with tempfile.TemporaryDirectory() as data:
        config = ContextConfig(root=workdir.resolve(), data=Path(data), refresh_s=3600)
        service = ContextService(config, embedder=_embedder(embedder))
        try:
            hits = [h for h in service.search_code(instruction, limit=8) if h.path not in shown]
            code, _ = pack(hits, left) if left > 0 else ("", [])
        finally:
            service.close()
    parts = [p for p in (f"APIs the files use:\n{notes}" if notes else "", code) if p]
    return SECTION + "\n\n".join(parts) if parts else ""
