"""Run ``fulcrum ARGV`` in-process the way a shell would see it: exit code, stdout, stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fulcrum.cli import main

if TYPE_CHECKING:
    import pytest


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Call the real entry point (its error mapping included); a ``SystemExit`` becomes the
    exit code, and what was printed is read back from ``capsys``."""
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err
