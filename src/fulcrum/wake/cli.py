"""``fulcrum wake replay EVENTS.jsonl``: a stream of events through the wake-filter.

``fulcrum wake replay EVENTS.jsonl [--filter NAME] [--url URL | --config FILE]
[--ledger-url URL] [--concurrency N] [--calls-per-day N] [--json]`` sends every event to
``/v1/wake[/NAME]`` with a progress bar on stderr, then reports the wake rate, the agreement
with the events' labels (Wilson 95% interval), the latency percentiles and the cost of the
calls against the frontier, projected to a month at ``--calls-per-day``.

- ``--url`` (default ``http://127.0.0.1:8787``): a running gateway; the costs come from its
  ledger rows, read from ``--ledger-url`` (default: SQLite in the data directory, where a
  gateway on this machine writes them), waiting a few seconds for the last rows to land;
- ``--config FILE``: a gateway on that config is started in this process on a free port,
  stopped after the replay (its ledger flushed), and its ledger is read.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fulcrum.errors import FulcrumError, InputError
from fulcrum.gateway.config import GatewayConfig
from fulcrum.ledger import open_store
from fulcrum.ledger.row import LedgerRow, utc_now
from fulcrum.ledger.store import LEDGER_URL_ENV
from fulcrum.progress import stderr_progress
from fulcrum.urls import http_url
from fulcrum.wake import report
from fulcrum.wake.config import DEFAULT, WakeConfig
from fulcrum.wake.replay import Event, Result, endpoint, read_events, send_all
from fulcrum.wake.tally import ARTICLE_CALLS_PER_DAY, summarize

DEFAULT_URL = "http://127.0.0.1:8787"
ROWS_WAIT_S = 5.0
Send = Callable[[str], Awaitable[list[Result]]]


def register(app: typer.Typer) -> None:
    wake = typer.Typer(help="The wake-filter: replay events through it.", no_args_is_help=True)
    example = "Example: fulcrum wake replay examples/wake/events.jsonl --config gateway.toml"
    wake.command("replay", epilog=example)(replay_command)
    app.add_typer(wake, name="wake")


def replay_command(  # noqa: PLR0917 - Typer maps parameters to flags
    events: Annotated[Path, typer.Argument(help='JSON lines: {"event": ..., "label": ...?}')],
    filter_name: Annotated[
        str | None, typer.Option("--filter", help="A \\[wake.filters.NAME] (default: \\[wake]).")
    ] = None,
    url: Annotated[str | None, typer.Option(help=f"A running gateway ({DEFAULT_URL}).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Start a gateway on this config for the replay.")
    ] = None,
    ledger_url: Annotated[
        str | None, typer.Option(envvar=LEDGER_URL_ENV, help="The ledger the gateway writes.")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Events in flight.")] = 4,
    calls_per_day: Annotated[
        int, typer.Option(min=1, help="The volume the monthly projection assumes.")
    ] = ARTICLE_CALLS_PER_DAY,
    api_key: Annotated[
        str | None, typer.Option(envvar="FULCRUM_CLIENT_KEY", help="The gateway's client key.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay a file of events through the wake-filter and report what it would cost."""
    if url is not None and config is not None:
        raise InputError("--url: not with --config (--config starts its own gateway)")
    parsed = read_events(events)
    headers = {"authorization": f"Bearer {api_key}"} if api_key else None

    async def send(base: str) -> list[Result]:
        return await _with_progress(
            base, filter_name, parsed, concurrency=concurrency, headers=headers
        )

    since = utc_now() - timedelta(minutes=1)
    if config is not None:
        cfg = _load(config, ledger_url)
        _check_filter(cfg, filter_name)
        results = asyncio.run(_in_process(cfg, send))
        ledger, wait = cfg.ledger.url, 0.0
    else:
        results = asyncio.run(send(http_url(url, "--url") if url else DEFAULT_URL))
        ledger, wait = ledger_url, ROWS_WAIT_S
    ids = {r.answer["id"] for r in results if r.answer is not None and "id" in r.answer}
    rows = replay_rows(ledger, ids, since=since, wait_s=wait)
    name = filter_name or "default"
    body = summarize(results, rows, calls_per_day=calls_per_day, filter_name=name)
    if json_out:
        typer.echo(json.dumps(body, indent=2))
    else:
        report.render(body, Console())
    if not body["decided"]:  # the report says what failed; the exit status says it failed
        first = body["error_samples"][0] if body["error_samples"] else "no answer"
        raise FulcrumError(f"no event was decided ({body['errors']} errors; {first})")


def _check_filter(cfg: GatewayConfig, name: str | None) -> None:
    """``--filter`` against the config's filters, before any event is sent."""
    wake = cfg.extensions.get("wake")
    filters = wake.filters if isinstance(wake, WakeConfig) else {}
    if filters and (name or DEFAULT) not in filters:
        known = ", ".join(filters)
        raise InputError(f"--filter: no filter named {name!r} in {cfg.source}; configured: {known}")


async def _with_progress(
    base: str,
    name: str | None,
    events: list[Event],
    *,
    concurrency: int,
    headers: dict[str, str] | None,
) -> list[Result]:
    with stderr_progress() as progress:
        task = progress.add_task("wake replay", total=len(events))
        return await send_all(
            endpoint(base, name),
            events,
            concurrency=concurrency,
            headers=headers,
            done=lambda _r: progress.advance(task),
        )


def _load(config: Path, ledger_url: str | None) -> GatewayConfig:
    from fulcrum.gateway.cli import build_config  # noqa: PLC0415 - the gateway only here

    return build_config(config, host="127.0.0.1", port=0, ledger_url=ledger_url)


async def _in_process(cfg: GatewayConfig, send: Send) -> list[Result]:
    """``send`` against a gateway on ``cfg`` served by this loop, then stopped (flushed)."""
    from fulcrum.gateway.serve import serve  # noqa: PLC0415 - aiohttp server only here

    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    def on_ready(bound: str) -> None:
        ready.set_result(bound)

    server = asyncio.create_task(serve(cfg, ready=on_ready, stop=stop, handle_signals=False))
    try:
        pending: set[asyncio.Future[object]] = {server, ready}  # type: ignore[arg-type]
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if server.done():
            server.result()  # a start-up error (bad config, port) is raised here
        return await send(ready.result())
    finally:
        stop.set()
        await server


def replay_rows(
    ledger_url: str | None, ids: set[str], *, since: datetime, wait_s: float
) -> dict[str, LedgerRow]:
    """The ledger rows of ``ids`` written since ``since``, waiting up to ``wait_s`` for late
    ones; none when the ledger cannot be opened (the report then says the costs are missing)."""
    if not ids:
        return {}
    deadline = time.monotonic() + wait_s
    try:
        store = open_store(ledger_url, create=False)
    except FulcrumError:
        return {}
    try:
        while True:
            found = {r.id: r for r in store.rows(since, None) if r.id in ids}
            if len(found) == len(ids) or time.monotonic() >= deadline:
                return found
            time.sleep(0.2)
    finally:
        store.close()
