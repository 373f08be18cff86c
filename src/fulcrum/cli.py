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

# Each top-level command or group: the module that registers it and its one-line help, in the
# order the full command line lists them. A command line that names one loads that module
# alone (``fulcrum decide`` does not import the gateway); ``fulcrum --help``, ``--version`` and
# an unknown name are answered from this table, loading none. Tests keep it equal to what the
# modules register and to the full command line's help.
COMMANDS: dict[str, tuple[str, str]] = {
    "decide": ("fulcrum.costs.cli", "Recommend API, hybrid, local or a cheaper API tier, with "
               "the numbers behind it."),
    "tco": ("fulcrum.costs.cli", "The cost breakdown of every hardware option over each horizon."),
    "serve": ("fulcrum.gateway.cli", "Run the gateway: Claude Code and OpenAI clients point at "
              "it; every call is metered."),
    "ledger": ("fulcrum.ledger.cli", "Spend per day, local share, savings, mean and p95 daily "
               "spend from the cost ledger."),
    "probe": ("fulcrum.probe.cli", "Measure prefill, decode, concurrency and goodput of an "
              "endpoint; store the run."),
    "index": ("fulcrum.context.cli", "Build or refresh a repository's search index (only "
              "changed files are re-read)."),
    "mcp": ("fulcrum.context.cli", "Serve the context tools over MCP (stdio by default, or "
            "streamable HTTP)."),
    "report": ("fulcrum.report.cli", "Write the decision as one self-contained HTML page with "
               "its charts (and a PDF)."),
    "throughput": ("fulcrum.costs.cli", "Decode/prefill speed from bandwidth and compute; "
                   "calibrate on measurements."),
    "catalog": ("fulcrum.catalog.cli", "Sourced, dated data: hardware, models, quants, plans, "
                "prices."),
    "eval": ("fulcrum.evals.cli", "Capability evals on the team's own specs, paired "
             "statistics, the tax."),
    "usage": ("fulcrum.usage.cli", "Import agent usage logs and show what they would cost at "
              "API prices."),
    "router": ("fulcrum.routing.learned.cli", "Train, score and evaluate the learned router."),
    "route": ("fulcrum.routing.policy.cli", "Explain and replay routing decisions."),
    "wake": ("fulcrum.wake.cli", "The wake-filter: replay events through it."),
    "batch": ("fulcrum.batch.cli", "Overnight batches on the local rig, through the gateway."),
}  # fmt: skip
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(m for m, _ in COMMANDS.values()))


class CommandModule(Protocol):
    def register(self, app: typer.Typer) -> None: ...


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fulcrum {__version__}")
        raise typer.Exit()


def build_app(command: str | None = None) -> typer.Typer:
    """The command line; with ``command`` (a key of :data:`COMMANDS`), only the module that
    registers it is loaded."""
    app = _root()
    only = COMMANDS[command][0] if command in COMMANDS else None
    for name in (only,) if only else COMMAND_MODULES:
        module: CommandModule = importlib.import_module(name)
        module.register(app)
    return app


def build_listing() -> typer.Typer:
    """The command line as ``fulcrum --help`` lists it, from :data:`COMMANDS` alone: enough
    for the root's help, ``--version`` and an unknown name's error, without loading a module."""
    app = _root()
    for name, (_, text) in COMMANDS.items():
        app.command(name, help=text)(_listed)
    return app


def _listed() -> None:
    """Never run: a command line naming a listed command is parsed by its module's app."""
    raise typer.Exit(2)


def _root() -> typer.Typer:
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
    def _root_options(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version."
        ),
    ) -> None:
        """fulcrum: the local-vs-frontier decision, gateway and measurements."""

    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and map errors to exit codes."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app = build_app(args[0]) if args and args[0] in COMMANDS else build_listing()
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
    except OSError as exc:  # a path the machine refuses (not a directory, no room, no rights)
        if exc.filename is None:
            raise
        typer.echo(f"fulcrum: error: {exc.filename}: {exc.strerror}", err=True)
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
