"""``fulcrum ledger``: spend per day, local share, savings, mean and p95 daily spend."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from fulcrum.errors import InputError
from fulcrum.ledger import spill
from fulcrum.ledger.factory import open_store
from fulcrum.ledger.pricing import Pricer
from fulcrum.ledger.render import render_text
from fulcrum.ledger.report import Bucket, Report, build_report
from fulcrum.ledger.store import GROUP_COLUMNS, LEDGER_URL_ENV, LedgerUnavailable, check_group
from fulcrum.settings import Paths, pick
from fulcrum.textfiles import write_output

try:
    from psycopg import Error as PsycopgError
except ImportError:  # pragma: no cover - only without the postgres extra
    PsycopgError = sqlite3.Error  # type: ignore[misc,assignment]


# --since / --until, read by parse_window (the ledger's reports, route replay, router signals)
Since = Annotated[
    str | None, typer.Option(help="First UTC day (YYYY-MM-DD) or an ISO time with zone.")
]
Until = Annotated[
    str | None, typer.Option(help="Last UTC day (included) or an ISO time with zone.")
]


def parse_bound(text: str | None, flag: str, *, end: bool) -> datetime | None:
    """``YYYY-MM-DD`` (a UTC day; ``--until`` includes it) or an ISO date-time with zone."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(), tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{flag}: {text!r} is not a date; use YYYY-MM-DD or an ISO date-time like "
            "2026-01-31T12:00:00Z"
        ) from None
    except OverflowError:  # the day after 9999-12-31
        raise InputError(f"{flag}: {text!r} is past the last day a date can hold") from None
    if parsed.tzinfo is None:
        raise InputError(f"{flag}: {text!r} has no time zone; add Z or +HH:MM")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InputError(f"{flag}: {text!r} is out of the range a date can hold") from None


def parse_window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """``--since`` and ``--until`` (either may be absent), the first before the second."""
    start, end = parse_bound(since, "--since", end=False), parse_bound(until, "--until", end=True)
    if start is not None and end is not None and start >= end:
        order = "after" if start > end else "not before"
        raise InputError(f"--since: {since} is {order} --until {until}; give an earlier "
                         "--since or a later --until")  # fmt: skip
    return start, end


def write_csv(report: Report, path: Path) -> None:
    buckets = report.groups if report.by else report.days
    out = io.StringIO(newline="")
    fields = list(Bucket(key="").as_dict())
    writer = csv.DictWriter(out, fieldnames=[report.by or "day", *fields[1:]])
    writer.writeheader()
    for bucket in buckets:
        data = bucket.as_dict()
        data[report.by or "day"] = data.pop("key")
        writer.writerow(data)
    write_output("--csv", path, out.getvalue())


def load_report(
    db: str | None, since: datetime | None, until: datetime | None, by: str | None
) -> tuple[Report, str]:
    check_group(by)
    store = open_store(db, create=False)
    try:
        where = store.description
        aggregates = store.aggregate(since, until, by)
    except (sqlite3.Error, PsycopgError) as exc:
        raise LedgerUnavailable(f"cannot read the ledger: {str(exc).strip()}") from None
    finally:
        store.close()
    if not aggregates:
        span = "" if since is None and until is None else " in the chosen period"
        raise InputError(f"the ledger at {where} has no calls{span}")
    return build_report(aggregates, by), where


def url_from_config(path: Path) -> str | None:
    """``[ledger] url`` of a gateway config file (what ``fulcrum serve --config`` writes to),
    read by the gateway's own parser: a mistake is the error ``fulcrum serve`` gives."""
    from fulcrum.gateway.config import ledger_of  # noqa: PLC0415 - the gateway only here

    return ledger_of(path).url or None


def replay_spill_file(db: str | None) -> None:
    """The rows and the budget settles the gateway kept while the database was down."""
    from fulcrum.routing.budget.factory import replay_spilled_settles  # noqa: PLC0415

    path = Paths.build().data / spill.DEFAULT_NAME
    settled, settles = replay_spilled_settles(db)
    if settled:
        typer.echo(f"settled {settled} budget leases from {settles}", err=True)
    elif not path.exists():
        raise InputError(f"--replay-spill: no spill file at {path}; nothing to replay")
    if not path.exists():
        return
    store = open_store(db)
    try:
        inserted = spill.replay(store, path, pricer=Pricer())  # unknown amounts: at row.ts
    finally:
        store.close()
    typer.echo(f"replayed {inserted} rows from {path} into {store.description}", err=True)


def ledger(
    *,
    db: Annotated[
        str | None,
        typer.Option(
            "--ledger-url",
            "--db",
            envvar=LEDGER_URL_ENV,
            help="Ledger URL (postgresql://... or a SQLite path); --db is the same.",
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    by: Annotated[str | None, typer.Option(help=f"Group by: {', '.join(GROUP_COLUMNS)}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the table to this CSV file.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Gateway config whose \\[ledger] url to read (below --ledger-url)."
        ),
    ] = None,
    replay_spill: Annotated[
        bool,
        typer.Option(
            "--replay-spill",
            help="First insert the rows (and settle the budget leases) the gateway kept while the "
            "database was down.",
        ),
    ] = False,
) -> None:
    """Spend per day, local share, savings, mean and p95 daily spend from the cost ledger."""
    db = pick(db, None, url_from_config(config) if config else None, None)
    if replay_spill:
        replay_spill_file(db)
    report, where = load_report(db, *parse_window(since, until), by)
    if csv_file is not None:
        write_csv(report, csv_file)
    if as_json:
        typer.echo(json.dumps({"ledger": where, **report.as_dict()}, indent=2))
    else:
        typer.echo(render_text(report, where))


def register(app: typer.Typer) -> None:
    """Add ``fulcrum ledger`` to the root app."""
    app.command("ledger")(ledger)
