"""``fulcrum router signals`` through the real entry point (its error mapping included),
whether or not the ``router`` group registers the command yet."""

from __future__ import annotations

import pytest
import typer

import fulcrum.cli
from fulcrum.routing.outcomes.cli import signals_command


@pytest.fixture(autouse=True)
def _signals_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fulcrum.cli.build_app

    def build() -> typer.Typer:
        app = real()
        group = next(g.typer_instance for g in app.registered_groups if g.name == "router")
        assert group is not None
        if not any(c.name == "signals" for c in group.registered_commands):
            group.command("signals")(signals_command)
        return app

    monkeypatch.setattr(fulcrum.cli, "build_app", build)
