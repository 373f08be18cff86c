"""``fulcrum route``: explain a routing decision and replay a policy over recorded traffic."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    route = typer.Typer(help="Explain and replay routing decisions.", no_args_is_help=True)
    app.add_typer(route, name="route")
