"""How fast the secrets detector scans, and what it flags in a large body of ordinary files.

Two figures, both on this machine:

- **20 KB of source**: the first 20,000 characters of this repository's ``src`` files, joined,
  scanned ``--rounds`` times; the median time per scan in ms (a request's new part is rarely
  this long: what a long pasted file or tool output costs);
- **the installed packages**: every ``.py``, ``.json`` and ``.md`` file under the interpreter's
  ``site-packages`` (or ``--root``), each scanned once: files, megabytes, MB/s, and the files
  that a detector flagged, by detector (with ``--list``, their paths). Ordinary code and docs
  written by others: every flag is a place to look at, a false positive or a real secret
  shipped in a package.

    .venv/bin/python bench/secrets_scan.py [--rounds 200] [--root DIR] [--list] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sysconfig
import time
from collections import Counter
from pathlib import Path

from fulcrum.routing.secrets import scan

SOURCE = Path(__file__).resolve().parent.parent / "src"
SUFFIXES = (".py", ".json", ".md")


def source_text(size: int = 20_000) -> str:
    parts: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts.append(path.read_text(encoding="utf-8"))
        if sum(map(len, parts)) >= size:
            break
    return "\n".join(parts)[:size]


def time_source(rounds: int) -> float:
    """The median ms of one scan of 20 KB of source."""
    text = source_text()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        scan(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def scan_tree(root: Path) -> dict[str, object]:
    """Every file of ``SUFFIXES`` under ``root`` scanned once: totals and what was flagged."""
    files = 0
    size = 0
    elapsed = 0.0
    flagged: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        start = time.perf_counter()
        found = scan(text)
        elapsed += time.perf_counter() - start
        files += 1
        size += len(text.encode("utf-8", "replace"))
        if found:
            flagged[str(path.relative_to(root))] = list(found)
    by_detector = Counter(name for names in flagged.values() for name in names)
    return {"root": str(root), "files": files, "mb": size / 1e6,
            "mb_per_s": size / 1e6 / elapsed if elapsed else 0.0,
            "flagged": flagged, "by_detector": dict(by_detector.most_common())}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--list", action="store_true", help="print every flagged file")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"--root: {args.root} is not a directory")
    source_ms = time_source(args.rounds)
    print(f"20 KB of source: {source_ms:.3f} ms per scan (median of {args.rounds})")
    tree = scan_tree(args.root)
    print(f"{tree['files']:,} files, {tree['mb']:.1f} MB under {tree['root']}: "
          f"{tree['mb_per_s']:.1f} MB/s, {len(tree['flagged'])} files flagged")  # type: ignore[arg-type]  # fmt: skip
    for name, count in tree["by_detector"].items():  # type: ignore[attr-defined]
        print(f"  {name:<22}{count:>5} files")
    if args.list:
        for path, names in tree["flagged"].items():  # type: ignore[attr-defined]
            print(f"  {path}: {', '.join(names)}")
    if args.json:
        args.json.write_text(json.dumps({"source_ms": source_ms, **tree}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
