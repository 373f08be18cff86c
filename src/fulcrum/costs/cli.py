"""``fulcrum decide``, ``fulcrum tco`` and ``fulcrum throughput [calibrate]`` (the last in
:mod:`fulcrum.costs.throughput_cli`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fulcrum.catalog import load_catalog
from fulcrum.costs.calibrate_cli import JsonOpt
from fulcrum.costs.decide_cli import decide_cmd
from fulcrum.costs.evaluate import option_tco
from fulcrum.costs.render_tco import render_tco
from fulcrum.costs.scenario import load_scenario
from fulcrum.costs.speed import option_speed
from fulcrum.costs.throughput_cli import CatalogOpt, throughput_app
from fulcrum.errors import InputError

ScenarioArg = Annotated[Path, typer.Argument(help="A scenario TOML file (see examples/).")]


def tco_cmd(scenario: ScenarioArg, as_json: JsonOpt = False, catalog: CatalogOpt = None) -> None:
    """The cost breakdown of every hardware option over each horizon."""
    cat = load_catalog(catalog)
    sc = load_scenario(scenario, cat)
    if not sc.options:
        raise InputError(f"{sc.path}: options: no [[options]] to cost; add at least one")
    rows = [option_tco(sc, opt, h) for h in sc.horizons for opt in sc.options]
    boxes = {}
    for opt in sc.options:
        speed = option_speed(sc, cat, opt)
        boxes[opt.name] = speed.boxes if speed else 1
    if as_json:
        body = [{**r.as_dict(), "boxes": boxes[r.name]} for r in rows]
        typer.echo(json.dumps({"scenario": sc.name, "options": body}, indent=2))
        return
    render_tco(Console(), f"{sc.name}: total cost of ownership", rows, boxes)


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the root app."""
    app.command("decide")(decide_cmd)
    app.command("tco")(tco_cmd)
    app.add_typer(throughput_app, name="throughput")
