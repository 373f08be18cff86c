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

# typer's own copy of click (the lock pins typer): the usage errors its parser raises
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from fulcrum import __version__
from fulcrum.errors import FulcrumError

# Each top-level command (or command group) and the module that registers it. A command line
# that names one loads that module alone (``fulcrum decide`` does not import the gateway);
# ``fulcrum --help``, ``--version`` and anything unknown load them all.
COMMANDS: dict[str, str] = {
    "decide": "fulcrum.costs.cli",
    "tco": "fulcrum.costs.cli",
    "throughput": "fulcrum.costs.cli",
    "catalog": "fulcrum.catalog.cli",
    "serve": "fulcrum.gateway.cli",
    "ledger": "fulcrum.ledger.cli",
    "eval": "fulcrum.evals.cli",
    "usage": "fulcrum.usage.cli",
    "probe": "fulcrum.probe.cli",
    "router": "fulcrum.routing.learned.cli",
    "route": "fulcrum.routing.policy.cli",
    "wake": "fulcrum.wake.cli",
    "index": "fulcrum.context.cli",
    "mcp": "fulcrum.context.cli",
    "batch": "fulcrum.batch.cli",
    "report": "fulcrum.report.cli",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))


class CommandModule(Protocol):
    def register(self, app: typer.Typer) -> None: ...


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fulcrum {__version__}")
        raise typer.Exit()


def build_app(command: str | None = None) -> typer.Typer:
    """The command line; with ``command`` (a key of :data:`COMMANDS`), only the module that
    registers it is loaded."""
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

    only = COMMANDS.get(command or "")
    modules = (only,) if only else COMMAND_MODULES
    for name in modules:
        module: CommandModule = importlib.import_module(name)
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and map errors to exit codes."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app = build_app(args[0] if args else None)
        code = app(args=args, prog_name="fulcrum", standalone_mode=False)
    except FulcrumError as exc:
        typer.echo(f"fulcrum: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except NoArgsIsHelpError as exc:  # a group named alone: its help, as the parser prints it
        exc.show()
        sys.exit(exc.exit_code)
    except ClickException as exc:  # bad usage: an unknown option, a missing argument, a type
        typer.echo(f"fulcrum: error: {usage_message(exc)}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("fulcrum: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)  # an int: an Exit's code (--help: 0)


def usage_message(exc: ClickException) -> str:
    """A usage error in one line, with the command it is about and where its help is."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return message
    path = ctx.command_path
    command = path.removeprefix("fulcrum").strip()
    return f"{command + ': ' if command else ''}{message} (see {path} --help)"
