"""Retrieval quality and indexing cost of ``fulcrum index`` / ``search_code`` on real packages.

Quality: a package installed from the registry (default ``rich``, at the version the lock pins)
is copied with every function's and method's docstring blanked (same line numbers), and each
public one whose docstring's first sentence has at least five words becomes a query that
must find that function: recall@10 (the function is in the top 10) and MRR@10 (1 / its rank,
0 past 10) for lexical (FTS5 BM25), vector (the embedder), hybrid (score fusion: 0.7 x the
normalized keyword score + 0.3 x the vector similarity) and rrf (reciprocal-rank fusion).
A query's answer is the chunk whose path and symbol are the function's (``Class.method``).

Scale: a second package past 100,000 lines (default ``mypy``) is indexed from nothing with
the same embedder; the bench reports lines, files, chunks, seconds and the process's peak
RSS, then changes one file and re-indexes, asserting that only that file was read again.

    .venv/bin/python bench/retrieval.py [--package rich] [--scale-package mypy]
                                        [--queries 400] [--embedder wordllama] [--json FILE]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata as md
import json
import random
import re
import resource
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fulcrum.context.embed import Embedder, make_embedder
from fulcrum.context.indexer import index_repository, walk
from fulcrum.context.search import MODES, search
from fulcrum.context.store import IndexStore

K = 10


def package_dir(name: str) -> Path:
    module = importlib.import_module(name)
    return Path(module.__file__ or "").parent


def _first_sentence(doc: str) -> str:
    para = " ".join(doc.strip().split("\n\n")[0].split())
    return re.split(r"(?<=[.!?])\s", para, maxsplit=1)[0]


def _definitions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Module-level functions and class methods with the chunker's symbol names."""
    out: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            out += [
                (f"{node.name}.{m.name}", m)
                for m in node.body
                if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
    return out


def blank_docstrings(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(source with function docstrings replaced by ``pass``, [(symbol, first sentence)])."""
    tree = ast.parse(text)
    lines = text.splitlines()
    found = []
    for symbol, fn in _definitions(tree):
        first = fn.body[0] if fn.body else None
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)):
            continue
        if not isinstance(first.value.value, str):
            continue
        sentence = _first_sentence(first.value.value)
        if not symbol.split(".")[-1].startswith("_") and len(sentence.split()) >= 5:
            found.append((symbol, sentence))
        start, end = first.lineno - 1, (first.end_lineno or first.lineno) - 1
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        lines[start : end + 1] = [indent + "pass"] + [""] * (end - start)
    return "\n".join(lines) + "\n", found


def prepare(package: str, into: Path) -> list[dict[str, str]]:
    source = package_dir(package)
    queries = []
    for path in sorted(source.rglob("*.py")):
        rel = path.relative_to(source).as_posix()
        if "__pycache__" in rel:
            continue
        try:
            text, found = blank_docstrings(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        (into / rel).write_text(text, encoding="utf-8")
        queries += [{"query": q, "path": rel, "symbol": s} for s, q in found]
    return queries


def evaluate(
    store: IndexStore, embedder: Embedder | None, queries: list[dict[str, str]]
) -> dict[str, dict[str, float]]:
    out = {}
    for mode in MODES:
        ranks = []
        for q in queries:
            hits = search(store, embedder, q["query"], limit=K, mode=mode)
            rank = next(
                (
                    n
                    for n, h in enumerate(hits, 1)
                    if (h.path, h.symbol) == (q["path"], q["symbol"])
                ),
                None,
            )
            ranks.append(rank)
        found = [r for r in ranks if r is not None]
        out[mode] = {
            "recall_at_10": round(len(found) / len(ranks), 4),
            "mrr_at_10": round(sum(1 / r for r in found) / len(ranks), 4),
        }
    return out


def quality(package: str, embedder: Embedder | None, n_queries: int, work: Path) -> dict[str, Any]:
    root = work / f"{package}-src"
    queries = prepare(package, root)
    sample = random.Random(0).sample(queries, min(n_queries, len(queries)))
    store = IndexStore(work / f"{package}.sqlite3")
    report = index_repository(store, root, embedder)
    return {
        "package": package,
        "version": md.version(package),
        "queries": len(sample),
        "files": report.scanned,
        "chunks": store.counts()[1],
        "lines": report.lines_indexed,
        "index_seconds": round(report.seconds, 2),
        "results": evaluate(store, embedder, sample),
    }


def scale(package: str, embedder: Embedder | None, work: Path) -> dict[str, Any]:
    root = work / f"{package}-scale"
    shutil.copytree(package_dir(package), root, ignore=shutil.ignore_patterns("__pycache__"))
    store = IndexStore(work / f"{package}-scale.sqlite3")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = index_repository(store, root, embedder)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    changed = next(p for p in walk(root) if p.suffix == ".py")
    changed.write_text(changed.read_text() + "\n\ndef added_by_bench():\n    return 1\n")
    again = index_repository(store, root, embedder)
    rel = changed.relative_to(root).as_posix()
    assert again.indexed == [rel], again.indexed  # only the changed file was read again
    return {
        "package": package,
        "version": md.version(package),
        "files": report.scanned,
        "lines": report.lines_indexed,
        "chunks": store.counts()[1],
        "index_seconds": round(report.seconds, 2),
        "peak_rss_mb": round(rss_after / 1024, 1),
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "index_mb": round(store.path.stat().st_size / 2**20, 1),
        "reindex_one_file_seconds": round(again.seconds, 3),
        "reindexed": again.indexed,
    }


def _print(result: dict[str, Any]) -> None:
    q = result["quality"]
    print(
        f"quality: {q['package']} {q['version']}: {q['files']} files, {q['lines']} lines, "
        f"{q['chunks']} chunks, {q['queries']} queries; embedder {result['embedder']}"
    )
    print(f"  {'mode':8} {'recall@10':>10} {'MRR@10':>8}")
    for mode, r in q["results"].items():
        print(f"  {mode:8} {r['recall_at_10']:>10.3f} {r['mrr_at_10']:>8.3f}")
    s = result.get("scale")
    if s:
        print(f"scale: {s['package']} {s['version']}: {s['lines']} lines, {s['files']} files, "
              f"{s['chunks']} chunks indexed in {s['index_seconds']} s, peak RSS "
              f"{s['peak_rss_mb']} MB (+{s['rss_growth_mb']} MB while indexing), index "
              f"{s['index_mb']} MB; one changed file re-indexed in "
              f"{s['reindex_one_file_seconds']} s: {s['reindexed']}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--package", default="rich")
    ap.add_argument("--scale-package", default="mypy", help="'' to skip the scale run")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--embedder", default="wordllama")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    embedder = make_embedder(args.embedder)
    result: dict[str, Any] = {"embedder": embedder.name if embedder else None}
    with tempfile.TemporaryDirectory() as tmp:
        if args.scale_package:
            result["scale"] = scale(args.scale_package, embedder, Path(tmp))
        result["quality"] = quality(args.package, embedder, args.queries, Path(tmp))
    _print(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
