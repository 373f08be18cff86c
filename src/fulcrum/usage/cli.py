"""``fulcrum usage`` (the report) and ``fulcrum usage import PATH…``."""

from __future__ import annotations

import json
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fulcrum.catalog import load_catalog
from fulcrum.catalog.loader import Catalog
from fulcrum.costs.machine import LocalMachine
from fulcrum.errors import InputError
from fulcrum.ledger.store import LEDGER_URL_ENV
from fulcrum.usage import flags, reconcile_render, render
from fulcrum.usage.gwconfig import from_gateway_config
from fulcrum.usage.importers import IMPORTERS
from fulcrum.usage.importers.claude_code import SOURCE as CLAUDE_CODE
from fulcrum.usage.importers.ledger import SOURCE as LEDGER
from fulcrum.usage.importing import StderrProgress, run_import
from fulcrum.usage.plan import PlanComparison
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.reconcile import DEFAULT_TOLERANCE, reconcile
from fulcrum.usage.reconcile_buckets import reconcile_buckets
from fulcrum.usage.records import ImportContext, UsageRecord
from fulcrum.usage.report import GROUPS, UsageReport, build_report
from fulcrum.usage.store import UsageStore
from fulcrum.usage.whatif import DEFAULT_LOCAL_SHARE, WhatIf, what_if

usage_app = typer.Typer(
    name="usage",
    help="Import agent usage logs and show what they would cost at API prices.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@usage_app.callback()
def usage_report(
    ctx: typer.Context,
    *,
    since: Annotated[
        str | None, typer.Option(help="First UTC day (YYYY-MM-DD); default 90 days back.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, included.")] = None,
    by: Annotated[str, typer.Option(help=f"Group by: {', '.join(GROUPS)}.")] = "model",
    source: Annotated[
        str | None, typer.Option("--source", help=f"Only one source: {', '.join(IMPORTERS)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the grouped table to this CSV file.")
    ] = None,
    plan: Annotated[
        str | None, typer.Option("--plan", help="A catalog plan id to compare with.")
    ] = None,
    hardware: Annotated[
        str | None, typer.Option("--hardware", help="What-if: a catalog hardware id run locally.")
    ] = None,
    local_share: Annotated[
        str | None,
        typer.Option(
            "--local-share",
            help="What-if: the share run locally, 0 to 1 (default: the --config policy's "
            f"target_local_share, else {DEFAULT_LOCAL_SHARE}).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Gateway config: its \\[policy] share, \\[machine]."),
    ] = None,
    cheaper_model: Annotated[
        str | None,
        typer.Option("--cheaper-model", help="What-if: a cheaper API model id (one with a price)."),
    ] = None,
) -> None:
    """Daily API-equivalent spend, groups, token mix and 5-hour blocks of imported usage."""
    if ctx.invoked_subcommand is not None:
        return
    flags.check(by, source)
    start, end = flags.window(since, until)
    catalog = load_catalog()
    plan_card = flags.plan(catalog, plan)
    cheaper_model = flags.cheaper_model(catalog, cheaper_model)
    setup = _setup(catalog, hardware, local_share, config)
    records = _records(start, end, source)
    report = build_report(records, Pricer(catalog), by=by, since=start, until=end)
    extras: dict[str, PlanComparison | WhatIf] = {}
    if plan_card is not None:
        extras["plan"] = PlanComparison.of(report, plan_card)
    if setup[0] is not None or cheaper_model is not None:
        extras["what_if"] = what_if(
            records, len(report.days), Pricer(catalog), local_share=setup[1],
            machine=setup[0], cheaper_model=cheaper_model, share_source=setup[2],
        )  # fmt: skip
    _show(report, extras, as_json, csv_file)


def _show(
    report: UsageReport,
    extras: dict[str, PlanComparison | WhatIf],
    as_json: bool,
    csv_file: Path | None,
) -> None:
    if csv_file is not None:
        render.write_csv(report, csv_file)
    if as_json:
        data = render.as_dict(report)
        data |= {name: x.as_dict() for name, x in extras.items()}
        typer.echo(json.dumps(data, indent=2))
        return
    render.render(Console(), report)
    for line in (line for x in extras.values() for line in x.lines()):
        typer.echo(line)


def _records(start: datetime, end: datetime, source: str | None) -> list[UsageRecord]:
    store = UsageStore()
    try:
        return store.records(start, end, source)
    finally:
        store.close()


def _setup(
    catalog: Catalog, hardware: str | None, share: str | None, config: Path | None
) -> tuple[LocalMachine | None, Decimal, str]:
    """The what-if's machine and local share, and where the share comes from: flag >
    the gateway config's [policy] / [machine] > default."""
    found = None if config is None else from_gateway_config(config, catalog, os.environ)
    machine = flags.machine(catalog, hardware) or (found.machine if found else None)
    if share is not None:
        return machine, flags.share(share), "--local-share"
    if found is not None and found.share is not None:
        return machine, found.share, f"[policy] target_local_share in {found.source}"
    return machine, DEFAULT_LOCAL_SHARE, "default"


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
            envvar=LEDGER_URL_ENV,
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


@usage_app.command("reconcile")
def reconcile_cmd(
    *,
    since: Annotated[str | None, typer.Option(help="First UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, included.")] = None,
    calls: Annotated[
        str,
        typer.Option(
            "--calls", help="The source of calls: claude-code, codex, opencode or ledger."
        ),
    ] = CLAUDE_CODE,
    against: Annotated[
        str, typer.Option("--against", help="The other source: ledger, or a provider export.")
    ] = LEDGER,
    tolerance_s: Annotated[
        float,
        typer.Option(
            "--tolerance-s",
            help=f"Most seconds between two records of a call (0 to {flags.MAX_TOLERANCE_S}).",
        ),
    ] = DEFAULT_TOLERANCE.total_seconds(),
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Match two sources of the same calls and show the differences with their known causes.

    Per call, or per day and model against an export's buckets."""
    tolerance = flags.tolerance(tolerance_s)
    for flag, name in (("--calls", calls), ("--against", against)):
        if name not in IMPORTERS:
            raise InputError(f"{flag}: {name!r} is not a source; use one of {', '.join(IMPORTERS)}")
    start, end = flags.window(since, until)
    store = UsageStore()
    try:
        a, b = store.records(start, end, calls), store.records(start, end, against)
    finally:
        store.close()
    if any(r.is_bucket for r in a):
        raise InputError(f"--calls: {calls} holds export buckets, not calls; give it as --against")
    pricer = Pricer(load_catalog())
    if any(r.is_bucket for r in b):
        rec = reconcile_buckets(a, b, pricer)
    else:
        rec = reconcile(a, b, pricer, names=(calls, against), tolerance=tolerance)
    if as_json:
        typer.echo(json.dumps(reconcile_render.as_dict(rec), indent=2))
    else:
        reconcile_render.render(Console(), rec)


def register(app: typer.Typer) -> None:
    """Add ``fulcrum usage`` to the root app."""
    app.add_typer(usage_app)
