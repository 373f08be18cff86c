"""``fulcrum router``: train, score and evaluate the learned router."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    router = typer.Typer(help="Train, score and evaluate the learned router.", no_args_is_help=True)
    app.add_typer(router, name="router")
