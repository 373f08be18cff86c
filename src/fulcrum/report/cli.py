"""``fulcrum report SCENARIO.toml --out report.html [--pdf report.pdf]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fulcrum.costs.measured_usage import DEFAULT_SINCE
from fulcrum.costs.uncertainty import check_draws
from fulcrum.errors import InputError
from fulcrum.ledger.store import LEDGER_URL_ENV
from fulcrum.report.browser import print_pdf
from fulcrum.report.build import ReportRequest, build_report
from fulcrum.textfiles import check_outputs


def report_cmd(  # noqa: PLR0917 - Typer maps parameters to flags
    scenario: Annotated[Path, typer.Argument(help="A scenario TOML file (see examples/).")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also print it to this PDF (headless Chromium).")
    ] = None,
    eval_results: Annotated[
        Path | None,
        typer.Option("--eval-results", help="JSON from `fulcrum eval stats --export`."),
    ] = None,
    usage: Annotated[
        bool, typer.Option("--usage", help="Use the imported usage instead of \\[api]'s.")
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help=f"With --usage: the window [{DEFAULT_SINCE}].")
    ] = None,
    probe: Annotated[
        list[str] | None, typer.Option("--probe", help="A stored `fulcrum probe` run id.")
    ] = None,
    ledger: Annotated[
        str | None,
        typer.Option(
            "--ledger",
            "--ledger-url",
            envvar=LEDGER_URL_ENV,
            help="Ledger database URL (default: the data dir's SQLite).",
        ),
    ] = None,
    catalog: Annotated[
        Path | None, typer.Option(help="A TOML file adding or overriding catalog entries.")
    ] = None,
    draws: Annotated[int | None, typer.Option(help="Monte Carlo draws.")] = None,
    target: Annotated[
        float | None, typer.Option(help="The local-share target drawn beside the ledger's share.")
    ] = None,
) -> None:
    """Write the decision as one self-contained HTML page with its charts (and a PDF)."""
    check_draws(draws)
    check_outputs({"SCENARIO": scenario, "--eval-results": eval_results, "--catalog": catalog},
                  {"--out": out, "--pdf": pdf})  # fmt: skip
    if target is not None and not 0 <= target <= 1:
        raise InputError(f"--target: expected a share between 0 and 1, got {target}")
    if since is not None and not usage:
        raise InputError("--since: only with --usage (the imported usage it selects)")
    window = (since or DEFAULT_SINCE) if usage else None
    req = ReportRequest(scenario, catalog, eval_results, window, tuple(probe or ()), ledger, draws,
                        target)  # fmt: skip
    text = build_report(req)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write: {exc.strerror}") from exc
    typer.echo(f"report written: {out}")
    if pdf is not None:
        typer.echo(f"pdf written: {print_pdf(out, pdf)}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
