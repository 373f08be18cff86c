"""``fulcrum route replay``: a policy run over the requests the ledger recorded.

``fulcrum route replay --config GATEWAY.toml [--policy POLICY.toml] [--since DAY]
[--until DAY] [--ledger-url URL] [--json]`` reads the gateway's rows oldest first, one UTC
day at a time (a progress bar on stderr past :data:`PROGRESS_AT` rows), and runs a fresh
brain over them (:mod:`fulcrum.routing.replay.engine`).

``--config`` is required: the policy's routes (``local``, ``frontier``, a target) name the
config's backends and the prices come from their providers. The embedded defaults of
``fulcrum serve`` would not do: they are found by probing the ports of this machine now,
so the same replay would say something else on another machine or another day.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from fulcrum.errors import InputError
from fulcrum.gateway.app import ledger_pricer
from fulcrum.gateway.state import startup_catalog
from fulcrum.ledger import LedgerRow, LedgerStore, LedgerUnavailable, open_store
from fulcrum.ledger.cli import Since, Until, parse_window
from fulcrum.ledger.factory import DATABASE_ERRORS
from fulcrum.ledger.store import LEDGER_URL_ENV
from fulcrum.progress import stderr_progress
from fulcrum.routing.policy.load import load_gateway
from fulcrum.routing.replay import report
from fulcrum.routing.replay.engine import Replay

PROGRESS_AT = 5000
DAY = timedelta(days=1)


def replay_command(  # noqa: PLR0917 - Typer maps parameters to flags
    config: Annotated[
        Path | None,
        typer.Option(help="The gateway config: its backends, routes, prices and \\[policy]."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            help="The candidate policy (a file holding a \\[policy] table); "
            "default: the config's own."
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    ledger_url: Annotated[
        str | None,
        typer.Option(
            envvar=LEDGER_URL_ENV,
            help="The ledger to read (default: the config's \\[ledger] url, else SQLite "
            "in the data directory).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay a policy over the requests recorded in the ledger, before it goes live.

    Each request is rebuilt from its stored body (store_bodies = true) or its
    recorded features, and decided by a fresh brain in the recorded order, on
    the recorded clock. Reports the local share, the frontier spend and the
    budget events the policy would have produced, beside what was recorded.
    """
    if config is None:
        raise InputError(
            "--config: give the gateway config (its backends are what the policy's routes "
            "name, its providers price the frontier)"
        )
    gateway = load_gateway(config, policy)
    if gateway.policy is None:
        raise InputError(f"{config} has no [policy]; give --policy POLICY.toml to replay")
    start, end = parse_window(since, until)
    replay = Replay(gateway, ledger_pricer(gateway, startup_catalog()))
    store = open_store(ledger_url or gateway.ledger.url, create=False)
    try:
        where = store.description
        tally = replay.run(read_rows(store, start, end))
    except DATABASE_ERRORS as exc:
        raise LedgerUnavailable(f"cannot read the ledger: {str(exc).strip()}") from None
    finally:
        store.close()
    if tally.rows == 0:
        span = "" if since is None and until is None else " in the chosen period"
        raise InputError(f"the ledger at {where} has no gateway requests{span}")
    _print(report.as_dict(tally, ledger=where, policy=gateway.policy.source), json_out)


def _print(body: dict[str, Any], json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        report.render(body, plain_console())


def plain_console() -> Console:
    """80 columns, and text printed as it is: no rich markup (``[red]``), no emoji codes
    (``key:alice`` is a budget window, not 🔑alice), no highlighting; a prompt is shown too."""
    return Console(width=80, markup=False, emoji=False, highlight=False)


def read_rows(
    store: LedgerStore,
    since: datetime | None,
    until: datetime | None,
    progress_to: Console | None = None,
) -> Iterator[LedgerRow]:
    """Every row in ``[since, until)`` oldest first, one UTC day in memory at a time; past
    :data:`PROGRESS_AT` rows, a progress bar on ``progress_to`` (default: stderr), drawn
    only on a terminal."""
    aggregates = store.aggregate(since, until, None)
    days = sorted({a.day for a in aggregates})
    total = sum(a.calls for a in aggregates)
    if total <= PROGRESS_AT:
        for day in days:
            yield from _day_rows(store, day, since, until)
        return
    with stderr_progress(console=progress_to) as progress:
        task = progress.add_task("replaying", total=total)
        for day in days:
            for row in _day_rows(store, day, since, until):
                yield row
                progress.advance(task)


def _day_rows(
    store: LedgerStore, day: date, since: datetime | None, until: datetime | None
) -> list[LedgerRow]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    low = max(start, since) if since is not None else start
    high = min(start + DAY, until) if until is not None else start + DAY
    return store.rows(low, high)
