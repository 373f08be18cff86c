"""Outcome data for the learned router: CSV rows in, examples out, and the held-out split.

Columns: ``prompt``, ``strong_score``, ``weak_score`` (the frontier's and the local model's score
on the prompt: 0/1 pass, or a judge's 1–10), optional ``id`` and ``benchmark``, and optional agent
columns ``kind``, ``tools``, ``tokens``, ``turn``, ``tool_errors`` (empty or missing: unknown).
Any other column is carried by ``split`` and ignored by everything else: only what a live
request has may become a feature. Every mistake is one :class:`InputError` naming the file, the
line and the column.
"""

from __future__ import annotations

import csv
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fulcrum.errors import InputError
from fulcrum.routing.claude_code import REQUEST_KINDS
from fulcrum.routing.learned.features import AgentFeatures

TRAIN_COLUMNS: tuple[str, ...] = ("prompt", "strong_score", "weak_score")
AGENT_COLUMNS: tuple[str, ...] = ("kind", "tools", "tokens", "turn", "tool_errors")
_INT_COLUMNS = AGENT_COLUMNS[1:]
MAX_SCORE = 10.0

csv.field_size_limit(2**31 - 1)  # prompts can be long; the stdlib's 128 KiB default is too small


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    prompt: str
    strong: float
    weak: float
    benchmark: str
    agent: AgentFeatures | None


def read_rows(path: Path, required: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV file that has every ``required`` column."""
    try:
        # utf-8-sig: a spreadsheet's export starts with a byte-order mark
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            # "Prompt, Strong_Score": the names without spaces, in lower case
            header = [name.strip().lower() for name in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(
                    f"{path}: missing column {missing[0]!r} (needs {', '.join(required)})"
                )
            rows = [_whole(row, len(header), path, reader.line_num) for row in reader]
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
    _unique_ids(rows, path)
    return header, rows


def _unique_ids(rows: list[dict[str, str]], path: Path) -> None:
    """Each non-empty ``id`` once: a score's output is joined back to its rows by id."""
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        id_ = (row.get("id") or "").strip()
        if id_ and seen.setdefault(id_, line) != line:
            raise InputError(f"{path}:{line}: id: {id_!r} is also the id of line {seen[id_]} "
                             "(ids must be unique: outputs are joined back by id)")  # fmt: skip


def _whole(row: dict[str, str], width: int, path: Path, line: int) -> dict[str, str]:
    """The row, if it has as many cells as the header: an unquoted comma in a prompt shifts
    every later cell (the scores would be read from the prompt's words)."""
    if None in row:  # cells past the header's (csv.DictReader's restkey)
        cells = width + len(row[None])  # type: ignore[index]
        raise InputError(f"{path}:{line}: {cells} cells, the header has {width} "
                         "(a prompt holding a comma must be quoted)")  # fmt: skip
    return row


def _number(value: str | None, path: Path, line: int, column: str) -> float:
    try:
        number = float(value or "")
    except ValueError:
        raise InputError(f"{path}:{line}: {column}: not a number: {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{path}:{line}: {column}: not a finite number: {value!r}")
    return number


def _score(value: str | None, path: Path, line: int, column: str) -> float:
    """A score on a scale fulcrum reads: 0/1 pass, or a judge's 1–10."""
    number = _number(value, path, line, column)
    if not 0.0 <= number <= MAX_SCORE:
        raise InputError(f"{path}:{line}: {column}: {value!r} is outside 0–{MAX_SCORE:g} "
                         "(0/1 pass, or a judge's 1–10)")  # fmt: skip
    return number


def agent_of(row: dict[str, str], path: Path, line: int) -> AgentFeatures | None:
    """The row's agent features, or ``None`` when every agent column is empty or missing."""
    if not any((row.get(c) or "").strip() for c in AGENT_COLUMNS):
        return None
    counts = {}
    for column in _INT_COLUMNS:
        text = (row.get(column) or "").strip()
        counts[column] = int(_number(text, path, line, column)) if text else 0
        if counts[column] < 0:
            raise InputError(f"{path}:{line}: {column}: {text!r} is negative (a count)")
    kind = (row.get("kind") or "").strip() or "main"
    if kind not in REQUEST_KINDS:  # a term no live request has: it would never match
        raise InputError(f"{path}:{line}: kind: {kind!r} is not a request kind; accepted: "
                         f"{', '.join(REQUEST_KINDS)} (or empty)")  # fmt: skip
    return AgentFeatures(kind=kind, **counts)


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Every row of every file, as examples (the files need :data:`TRAIN_COLUMNS`)."""
    out: list[Example] = []
    for path in paths:
        _, rows = read_rows(path, TRAIN_COLUMNS)
        for line, row in enumerate(rows, start=2):
            out.append(
                Example(
                    id=row.get("id") or "",
                    prompt=row["prompt"] or "",
                    strong=_score(row["strong_score"], path, line, "strong_score"),
                    weak=_score(row["weak_score"], path, line, "weak_score"),
                    benchmark=(row.get("benchmark") or "").strip() or "all",
                    agent=agent_of(row, path, line),
                )
            )
    if not out:
        raise InputError(f"{', '.join(str(p) for p in paths)}: no rows")
    return out


def hash_share(key: str) -> float:
    """Where ``key`` falls in [0, 1): its CRC-32 (zlib's, stable everywhere) over 2³²."""
    return zlib.crc32(key.encode("utf-8")) / 2**32


def check_share(share: float, flag: str) -> float:
    if not 0.0 < share < 1.0:
        raise InputError(f"{flag}: expected a share between 0 and 1, got {share}")
    return share


def is_held_out(id_: str, prompt: str, share: float) -> bool:
    """Whether a row is in the held-out part: its ``id`` (or, without one, its ``prompt``)
    hashes below ``share``. The same rule for ``split``, ``train --hold-out`` and ``eval``."""
    return hash_share(id_ or prompt) < share


def split_rows(
    rows: list[dict[str, str]], test_share: float
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The train rows and the held-out rows (see :func:`is_held_out`)."""
    check_share(test_share, "--test-share")
    train: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    for row in rows:
        held = is_held_out(row.get("id") or "", row.get("prompt") or "", test_share)
        (test if held else train).append(row)
    return train, test


def keep_part(examples: list[Example], share: float | None, *, held_out: bool) -> list[Example]:
    """The held-out part (``held_out``) or the rest of ``examples``; all of them without a share."""
    if share is None:
        return examples
    check_share(share, "--hold-out")
    kept = [e for e in examples if is_held_out(e.id, e.prompt, share) == held_out]
    if not kept:
        raise InputError(f"--hold-out {share}: no rows left")
    return kept


def write_rows(path: Path, header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(header), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from exc
