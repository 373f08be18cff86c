"""``fulcrum catalog``: list and show hardware, models, quantizations, plans and prices."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fulcrum.catalog.loader import Catalog, load_catalog
from fulcrum.errors import NotFound

CatalogOpt = Annotated[
    Path | None,
    typer.Option("--catalog", help="A TOML file adding or overriding entries ($FULCRUM_CATALOG)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[str | None, typer.Argument(help="Show one entry in full.")]

catalog_app = typer.Typer(
    help="Sourced, dated data: hardware, models, quants, plans, prices.",
    epilog="Your own entries: a TOML file given as --catalog FILE or $FULCRUM_CATALOG, with "
    "tables \\[hardware.ID], \\[models.ID], \\[quants.ID], \\[plans.ID] and "
    '\\[prices."MODEL"."PROVIDER"]; its fields merge over the bundled entry of the same ID. '
    "Each subcommand's --json shows every field an entry takes; every entry needs a source "
    "and an as_of date.",
)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _show(console: Console, record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_jsonable(record), indent=2))
        return
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in record.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


MIN_SOURCE_WIDTH = 16


def _fit(col: str, values: list[str]) -> int:
    """The width a column needs: its widest value, or its header's longest word."""
    words = col.replace("_", " ").split()
    return max([len(w) for w in words] + [len(v) for v in values])


def _list(
    console: Console, title: str, cols: list[str], rows: list[list[Any]], as_json: bool
) -> None:
    if as_json:
        typer.echo(json.dumps(_jsonable([dict(zip(cols, r, strict=True)) for r in rows]), indent=2))
        return
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [_fit(col, [r[i] for r in cells]) for i, col in enumerate(cols)]
    used = sum(w + 3 for c, w in zip(cols, widths, strict=True) if c != "source") + 1
    if used > console.width:  # too narrow for a table: one block per entry, nothing cut
        _stacked(console, title, cols, cells)
        return
    room = console.width - used - 3
    table = Table(title=title)
    keep = [i for i, c in enumerate(cols) if c != "source" or room >= MIN_SOURCE_WIDTH]
    for i in keep:
        if cols[i] == "source":  # what is left of the width; full text with `show` or --json
            table.add_column("source", overflow="ellipsis", no_wrap=True, max_width=room)
        else:  # wide enough for its values; a long header wraps at its words
            table.add_column(cols[i].replace("_", " "), width=widths[i])
    for row in cells:
        table.add_row(*(row[i] for i in keep))
    if len(keep) < len(cols):
        table.caption = "sources: `fulcrum catalog <kind> ID`, --json, or a wider terminal"
    console.print(table)


def _stacked(console: Console, title: str, cols: list[str], cells: list[list[str]]) -> None:
    """Narrow terminals: the id, then each field as ``name value``, the source last in full."""
    console.print(f"[bold]{escape(title)}[/bold]")
    for row in cells:
        fields = dict(zip(cols, row, strict=True))
        console.print(f"[bold]{escape(row[0])}[/bold]")
        pairs = [
            f"{c.replace('_', ' ')} {v}"
            for c, v in fields.items()
            if c not in (cols[0], "source") and v
        ]
        console.print("  " + escape(" · ".join(pairs)))
        if fields.get("source"):
            console.print("  source: " + escape(fields["source"]))


@catalog_app.command("hardware")
def hardware_cmd(hid: IdArg = None, as_json: JsonOpt = False, catalog: CatalogOpt = None) -> None:
    """Hardware tiers: memory, bandwidth, compute, price, power, source and date."""
    cat = load_catalog(catalog)
    console = Console()
    if hid is not None:
        _show(console, asdict(cat.hardware_tier(hid, where="hardware")), as_json)
        return
    cols = [
        "id",
        "memory_gb",
        "bandwidth_gbps",
        "compute_tflops",
        "price_usd",
        "idle_w",
        "load_w",
        "as_of",
        "source",
    ]
    rows = [[getattr(t, c) for c in cols] for t in cat.hardware.values()]
    _list(console, "Hardware tiers", cols, rows, as_json)


@catalog_app.command("models")
def models_cmd(mid: IdArg = None, as_json: JsonOpt = False, catalog: CatalogOpt = None) -> None:
    """Models: parameters, KV geometry, SWE-bench Verified and bash-only with dates."""
    cat = load_catalog(catalog)
    console = Console()
    if mid is not None:
        _show(console, asdict(cat.model(mid, where="model")), as_json)
        return
    cols = [
        "id",
        "open_weights",
        "total_params_b",
        "active_params_b",
        "swe_bench_verified",
        "swe_bench_date",
        "bash_only",
        "source",
    ]
    rows = [[getattr(m, c) for c in cols] for m in cat.models.values()]
    _list(console, "Models", cols, rows, as_json)


def _price_rows(cat: Catalog, provider: str | None = None) -> list[list[Any]]:
    """Every model's price; with ``provider``, only the models it prices, at its prices."""
    rows: list[list[Any]] = []
    for spec in cat.models.values():
        card = cat.price(spec.id, provider)
        if card is None and provider is not None:
            continue
        if card is None:
            rows.append([spec.id, None, "unknown", "unknown", None, None, "no price known"])
            continue
        rows.append(
            [
                spec.id,
                card.provider,
                card.input,
                card.output,
                card.cache_read,
                card.cache_write,
                f"{card.source} ({card.as_of})",
            ]
        )
    return rows


@catalog_app.command("prices")
def prices_cmd(
    model: IdArg = None,
    provider: Annotated[
        str | None, typer.Option(help="Provider id (anthropic, openai...).")
    ] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """API prices (USD per million tokens) with their source and date; unknown is unknown."""
    cat = load_catalog(catalog)
    console = Console()
    if provider is not None:
        cat.provider(provider, where="::--provider")
    if model is not None:
        card = cat.price(model, provider)
        if card is None:
            raise NotFound(
                f"no price known for model {model!r}" + (f" at {provider!r}" if provider else "")
            )
        _show(console, card.as_dict(), as_json)
        return
    cols = ["model", "provider", "input", "output", "cache_read", "cache_write", "source"]
    title = "API prices (USD / Mtok)" + (f" at {provider}" if provider else "")
    _list(console, title, cols, _price_rows(cat, provider), as_json)


@catalog_app.command("plans")
def plans_cmd(as_json: JsonOpt = False, catalog: CatalogOpt = None) -> None:
    """Subscription plans quoted by the seeds."""
    cat = load_catalog(catalog)
    cols = ["id", "name", "monthly_usd", "source", "as_of"]
    rows = [[getattr(p, c) for c in cols] for p in cat.plans.values()]
    _list(Console(), "Subscription plans", cols, rows, as_json)


@catalog_app.command("quants")
def quants_cmd(as_json: JsonOpt = False, catalog: CatalogOpt = None) -> None:
    """Quantizations and their bits per weight."""
    cat = load_catalog(catalog)
    rows = [[q.id, q.bits_per_weight, q.source] for q in cat.quants.values()]
    _list(Console(), "Quantizations", ["id", "bits_per_weight", "source"], rows, as_json)


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the root app."""
    app.add_typer(catalog_app, name="catalog")
