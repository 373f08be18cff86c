"""The ``fulcrum`` command line.

Each capability contributes its commands through a module in :data:`COMMAND_MODULES`
that exposes ``register(app: typer.Typer) -> None``; adding a capability is adding a
line here, never a branch in core code. Errors are mapped to exit codes in one place,
:func:`main`: bad input exits 2 with one line naming the file, the field and what is
accepted; nothing prints a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Protocol

import typer

from fulcrum import __version__
from fulcrum.errors import FulcrumError

COMMAND_MODULES: tuple[str, ...] = (
    "fulcrum.costs.cli",
    "fulcrum.catalog.cli",
    "fulcrum.gateway.cli",
    "fulcrum.ledger.cli",
    "fulcrum.evals.cli",
    "fulcrum.usage.cli",
    "fulcrum.probe.cli",
    "fulcrum.routing.learned.cli",
    "fulcrum.routing.policy.cli",
    "fulcrum.wake.cli",
    "fulcrum.context.cli",
    "fulcrum.batch.cli",
    "fulcrum.report.cli",
)


class CommandModule(Protocol):
    def register(self, app: typer.Typer) -> None: ...


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fulcrum {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="fulcrum",
        help=(
            "Decide between local models and frontier APIs for coding agents, "
            "route the mix, measure it and report it."
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version."
        ),
    ) -> None:
        """fulcrum: the local-vs-frontier decision, gateway and measurements."""

    for name in COMMAND_MODULES:
        module: CommandModule = importlib.import_module(name)
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and map errors to exit codes."""
    try:
        app = build_app()
        app(args=argv, prog_name="fulcrum", standalone_mode=True)
    except FulcrumError as exc:
        typer.echo(f"fulcrum: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
