"""Syntax-aware chunks from tree-sitter grammars that registry packages ship in their wheels.

One :class:`LanguageSpec` per language says which node types are definitions and which are
containers whose members become chunks of their own (a class's methods, named
``Class.method``). Top-level code between definitions (imports, constants) becomes ``module``
windows. Nothing is downloaded: a grammar whose package is missing is simply not registered,
and its files fall back to line windows.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tree_sitter import Language, Node, Parser

from fulcrum.context.chunks import Chunk, line_windows, register, split_lines, split_long


@dataclass(frozen=True)
class LanguageSpec:
    module: str  # the grammar package, e.g. "tree_sitter_python"
    suffixes: tuple[str, ...]
    definitions: dict[str, str]  # node type -> chunk kind
    containers: frozenset[str]  # definition types whose body members are chunked too
    wrappers: frozenset[str] = frozenset()  # decorated_definition, export_statement


LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec(
        "tree_sitter_python",
        (".py", ".pyi"),
        {"function_definition": "function", "class_definition": "class"},
        frozenset({"class_definition"}),
        frozenset({"decorated_definition"}),
    ),
    LanguageSpec(
        "tree_sitter_javascript",
        (".js", ".mjs", ".cjs", ".jsx"),
        {
            "function_declaration": "function",
            "generator_function_declaration": "function",
            "class_declaration": "class",
            "method_definition": "method",
            "lexical_declaration": "function",
        },
        frozenset({"class_declaration"}),
        frozenset({"export_statement"}),
    ),
)


def _name(node: Node) -> str:
    named = node.child_by_field_name("name")
    if named is None:  # const f = () => ...: the first declarator's name
        declarator = next((c for c in node.named_children if c.type == "variable_declarator"), None)
        named = declarator.child_by_field_name("name") if declarator is not None else None
    return named.text.decode("utf-8", "replace") if named is not None and named.text else ""


class _Walker:
    def __init__(self, spec: LanguageSpec, path: str, source: bytes) -> None:
        self.spec, self.path, self.source = spec, path, source
        self.chunks: list[Chunk] = []

    def text(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", "replace")

    def definition(self, node: Node) -> tuple[Node, Node] | None:
        """(outer node to cut, definition node) or None when ``node`` is not a definition."""
        inner = node
        if node.type in self.spec.wrappers:
            inner = next((c for c in node.named_children if c.type in self.spec.definitions), node)
        return (node, inner) if inner.type in self.spec.definitions else None

    def add(self, outer: Node, inner: Node, prefix: str) -> None:
        name = _name(inner)
        kind = self.spec.definitions[inner.type]
        kind = "method" if prefix and kind == "function" else kind
        symbol = f"{prefix}.{name}" if prefix and name else name
        start, end = outer.start_point[0] + 1, outer.end_point[0] + 1
        body = self.text(outer.start_byte, outer.end_byte)
        if inner.type in self.spec.containers:
            members = self.members(inner)
            if members:  # the class itself: its header up to the first member
                head_end = members[0][0].start_point[0]
                body = "\n".join(split_lines(body)[: max(head_end - start + 1, 1)])
                end = max(head_end, start)
            self.chunks.extend(split_long(Chunk(self.path, start, end, symbol, kind, body)))
            for m_outer, m_inner in members:
                self.add(m_outer, m_inner, symbol)
            return
        self.chunks.extend(split_long(Chunk(self.path, start, end, symbol, kind, body)))

    def members(self, node: Node) -> list[tuple[Node, Node]]:
        body = node.child_by_field_name("body")
        if body is None:
            return []
        found = (self.definition(c) for c in body.named_children)
        return [d for d in found if d is not None]

    def module(self, root: Node) -> None:
        gap_start: int | None = None  # byte where top-level non-definition code began
        gap_line = 0
        for child in root.named_children:
            found = self.definition(child)
            if found is None:
                if gap_start is None:
                    gap_start, gap_line = child.start_byte, child.start_point[0] + 1
                continue
            self.flush(gap_start, child.start_byte, gap_line)
            gap_start = None
            self.add(*found, "")
        self.flush(gap_start, root.end_byte, gap_line)

    def flush(self, start: int | None, end: int, line: int) -> None:
        if start is None:
            return
        text = self.text(start, end).rstrip()
        for w in line_windows(self.path, text, first_line=line):
            self.chunks.append(Chunk(w.path, w.start_line, w.end_line, "", "module", w.text))


def make_chunker(spec: LanguageSpec, language: Language) -> Callable[[str, str], list[Chunk]]:
    parser = Parser(language)

    def chunk(path: str, text: str) -> list[Chunk]:
        source = text.encode("utf-8")
        walker = _Walker(spec, path, source)
        walker.module(parser.parse(source).root_node)
        return sorted(walker.chunks, key=lambda c: (c.start_line, c.end_line))

    return chunk


def _register_all() -> None:
    for spec in LANGUAGES:
        try:
            grammar: Any = importlib.import_module(spec.module)
        except ImportError:
            continue
        chunker = make_chunker(spec, Language(grammar.language()))
        for suffix in spec.suffixes:
            register(suffix, chunker)


_register_all()
