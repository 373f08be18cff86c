"""``fulcrum usage`` (the report) and ``fulcrum usage import PATH…``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from fulcrum.usage.importers import IMPORTERS
from fulcrum.usage.importing import StderrProgress, run_import
from fulcrum.usage.records import ImportContext

usage_app = typer.Typer(
    name="usage",
    help="Import agent usage logs and show what they would cost at API prices.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@usage_app.command("import")
def import_cmd(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files or directories (default: per importer).")
    ] = None,
    source: Annotated[
        str,
        typer.Option("--from", help=f"Importer: {', '.join(IMPORTERS)}."),
    ] = "claude-code",
    ledger_url: Annotated[
        str | None,
        typer.Option(
            "--ledger-url",
            envvar="FULCRUM_LEDGER_URL",
            help="The ledger to read with --from ledger (default: the SQLite ledger).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Read usage into the store; re-importing the same files adds nothing."""
    ctx = ImportContext(
        env=dict(os.environ), home=Path.home(), ledger_url=ledger_url, progress=StderrProgress()
    )
    summary = run_import(source, list(paths or []), ctx)
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        typer.echo(summary.text())


def register(app: typer.Typer) -> None:
    """Add ``fulcrum usage`` to the root app."""
    app.add_typer(usage_app)
