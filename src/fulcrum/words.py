"""Words for the counts the commands print."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``1 day``, ``2 days``: the count and its word, with an ``s`` unless the count is 1."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
