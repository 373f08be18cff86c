"""The shape the house style promises: small modules, short functions, no import cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import fulcrum

ROOT = Path(fulcrum.__file__).parent
MAX_MODULE_LINES = 260
MAX_FUNCTION_LINES = 60


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def test_no_module_is_over_the_limit() -> None:
    long = {n: len(p.read_text().splitlines()) for n, p in modules()}
    assert {n: c for n, c in long.items() if c > MAX_MODULE_LINES} == {}


def test_no_function_is_over_the_limit() -> None:
    found = {}
    for name, path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    found[f"{name}.{node.name}"] = size
    assert found == {}


def _runtime_imports(tree: ast.Module, known: set[str]) -> set[str]:
    """Top-level fulcrum imports (``if TYPE_CHECKING:`` blocks and function bodies excluded)."""
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m in known}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_import_cycles() -> None:
    paths = dict(modules())
    known = set(paths)
    graph = {n: _runtime_imports(ast.parse(p.read_text()), known) - {n} for n, p in paths.items()}
    assert _cycle(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
