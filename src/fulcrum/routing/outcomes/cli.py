"""``fulcrum router signals``: the gateway's own outcome signals as training rows.

``fulcrum router signals --out OUT.csv [--ledger-url URL] [--since DAY] [--until DAY]
[--retry-window-s 120] [--json]`` reads the gateway's rows (oldest first) and the feedback
table from the ledger, labels each request a signal speaks for
(:mod:`fulcrum.routing.outcomes.signals`) and writes one training row per labelled request
whose text the ledger kept (:mod:`fulcrum.routing.outcomes.training`). The counts — per
signal, rows written, rows skipped and why — go to stderr, or to stdout as one JSON object
with ``--json``. ``fulcrum router train public.csv OUT.csv`` trains on them beside other data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from fulcrum.errors import InputError
from fulcrum.ledger.cli import Since, Until, parse_window
from fulcrum.ledger.store import LEDGER_URL_ENV
from fulcrum.routing.learned.data import write_rows
from fulcrum.routing.outcomes.recorded import read_recorded
from fulcrum.routing.outcomes.signals import label_requests
from fulcrum.routing.outcomes.training import HEADER, render, training_rows

RETRY_WINDOW_S = 120.0


def signals_command(  # noqa: PLR0917 - Typer maps parameters to flags
    out: Annotated[Path, typer.Option("--out", help="CSV written: the training columns.")],
    ledger_url: Annotated[
        str | None,
        typer.Option(
            "--ledger-url",
            envvar=LEDGER_URL_ENV,
            help="The ledger to read (default: SQLite in the data directory).",
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    retry_window_s: Annotated[
        float,
        typer.Option(
            "--retry-window-s", help="The same request again within this many seconds: a retry."
        ),
    ] = RETRY_WINDOW_S,
    json_out: Annotated[
        bool, typer.Option("--json", help="The counts as one JSON object.")
    ] = False,
) -> None:
    """Training rows from the gateway's own signals: failover, retries, escalations, feedback.

    One row per labelled request (weak = the local model, strong = the frontier;
    1 = good enough), benchmark gateway:<signal>. Needs the request text, so the
    gateway must run with store_bodies = true; requests without it are counted.
    """
    if not math.isfinite(retry_window_s) or retry_window_s < 0:
        raise InputError(f"--retry-window-s: {retry_window_s:g} is not a number of seconds >= 0")
    start, end = parse_window(since, until)
    recorded = read_recorded(ledger_url, start, end)
    if not recorded.requests:
        span = "" if since is None and until is None else " in the chosen period"
        raise InputError(f"the ledger at {recorded.ledger} has no gateway requests{span}")
    rows, summary = training_rows(recorded, label_requests(recorded, retry_window_s))
    if rows:
        write_rows(out, HEADER, rows)
    if json_out:
        typer.echo(json.dumps({"out": str(out) if rows else None, **summary.as_dict()}, indent=2))
    else:
        typer.echo(render(summary, str(out) if rows else "nothing"), err=True)
    if not rows:
        raise InputError(
            f"no training rows for {out}: none of the {summary.requests} requests has both a "
            "label and its text (see the counts; the text needs store_bodies = true)"
        )
