"""``repo_map``: a ranked outline of a repository's most referenced definitions in a token budget.

Like aider's map, files are ranked by PageRank over the graph "file A uses a name that file B
defines", and each definition is scored by how many other chunks name it, weighted by its
file's rank. The outline lists files in rank order, under each its definitions with their first
line (the signature), until the budget (tokens estimated as characters / 4) is spent.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from fulcrum.context.chunks import Chunk, folder_of, in_folder

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_DEFINITIONS = frozenset({"function", "class", "method"})
_IGNORED = frozenset({"main", "run", "get", "set", "self", "cls", "init", "test", "setup"})
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Definition:
    path: str
    line: int
    symbol: str
    kind: str
    signature: str
    score: float


def _pagerank(
    edges: dict[str, dict[str, int]], nodes: list[str], iterations: int = 30
) -> dict[str, float]:
    index = {n: i for i, n in enumerate(nodes)}
    size = len(nodes)
    matrix = np.zeros((size, size))
    for source, targets in edges.items():
        total = sum(targets.values())
        for target, weight in targets.items():
            matrix[index[target], index[source]] = weight / total
    dangling = matrix.sum(axis=0) == 0
    rank = np.full(size, 1.0 / size)
    for _ in range(iterations):
        rank = 0.15 / size + 0.85 * (matrix @ rank + rank[dangling].sum() / size)
    return {n: float(rank[index[n]]) for n in nodes}


def _signature(c: Chunk) -> str:
    lines = (ln.strip() for ln in c.text.splitlines())
    first = next((ln for ln in lines if ln and not ln.startswith("@")), c.symbol)[:160]
    return f"{c.symbol.rsplit('.', 1)[0]}: {first}" if c.kind == "method" else first


def rank_definitions(chunks: list[Chunk]) -> tuple[list[Definition], dict[str, float]]:
    defined: dict[str, list[Chunk]] = defaultdict(list)
    for c in chunks:
        name = c.symbol.rsplit(".", 1)[-1]
        if c.kind in _DEFINITIONS and name and name not in _IGNORED and not name.startswith("__"):
            defined[name].append(c)
    refs: dict[str, int] = defaultdict(int)
    edges: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in chunks:
        own = c.symbol.rsplit(".", 1)[-1]
        for name in set(_IDENT.findall(c.text)) & defined.keys():
            if name == own:
                continue
            refs[name] += 1
            for target in {d.path for d in defined[name]} - {c.path}:
                edges[c.path][target] += 1
    files = sorted({c.path for c in chunks})
    file_rank = _pagerank(edges, files) if files else {}
    out = []
    for name, places in defined.items():
        for c in places:
            score = refs[name] * (1.0 + file_rank[c.path] * len(files))
            out.append(Definition(c.path, c.start_line, c.symbol, c.kind, _signature(c), score))
    out.sort(key=lambda d: (-d.score, d.path, d.line))
    return out, file_rank


def repo_map(chunks: list[Chunk], *, max_tokens: int = 1024, path_prefix: str = "") -> str:
    """The outline text; at most ``max_tokens`` (estimated) long."""
    folder = folder_of(path_prefix)
    chunks = [c for c in chunks if in_folder(c.path, folder)]
    definitions, file_rank = rank_definitions(chunks)
    budget = max_tokens * CHARS_PER_TOKEN
    chosen: dict[str, list[Definition]] = defaultdict(list)
    used = 0
    for d in definitions:  # unreferenced ones (score 0) last, but listed while budget lasts
        cost = len(d.signature) + 12 + (0 if d.path in chosen else len(d.path) + 2)
        if used + cost > budget:
            continue
        chosen[d.path].append(d)
        used += cost
    lines = []
    for path in sorted(chosen, key=lambda p: -file_rank.get(p, 0.0)):
        lines.append(f"{path}:")
        lines += [
            f"  {d.line:>5} {d.signature}" for d in sorted(chosen[path], key=lambda d: d.line)
        ]
    return "\n".join(lines)
