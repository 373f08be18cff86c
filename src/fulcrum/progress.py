"""Progress bars on stderr, drawn for a person at a terminal and for nobody else."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, ProgressColumn


def stderr_progress(
    *columns: str | ProgressColumn, transient: bool = True, console: Console | None = None
) -> Progress:
    """A progress bar on stderr (or ``console``); off when that is not a terminal, so a script
    or a log gets nothing from it (a transient bar still wrote a blank line there when it
    closed)."""
    console = console or Console(stderr=True)
    return Progress(*columns, console=console, transient=transient, disable=not console.is_terminal)
