"""``/ui`` in ``fulcrum serve``: the live dashboard, a gateway extension owning ``[ui]``.

``[ui]`` (every key optional)::

    [ui]
    enabled = true            # false: no /ui routes
    scenario = "team.toml"    # the decision shown (relative to the config file); default: the
                              # embedded example scenario (seed 003's three agents)
    refresh_s = 2.0           # how often the page polls /ui/data.json

Endpoints: ``GET /ui`` (the page: inline style and script, nothing fetched from another
host), ``GET /ui/data.json`` (the numbers, :mod:`.live`), ``GET /ui/decision.json`` (the
scenario's decision and its cumulative-cost chart, computed once in a worker thread when the
page or this endpoint is first asked for: not at start-up, where importing the plotting
library and drawing the chart took CPU from the gateway's first requests). Reads
go to the ledger database in a worker thread, never to request state under a lock, so a
connected dashboard costs the request path nothing. The gateway's client-key check covers
these paths like every other but ``/healthz``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from fulcrum.gateway.extensions import ExtensionContext
from fulcrum.gateway.state import STATE
from fulcrum.report import live
from fulcrum.report.dashboard_page import page
from fulcrum.report.decision_card import decision_card
from fulcrum.report.ledgerview import READ_ERRORS
from fulcrum.report.page import reevaluate_text
from fulcrum.tables import Table

log = logging.getLogger(__name__)


@dataclass
class DecisionCard:
    """The scenario's decision: ``{"status": "computing"}`` until its worker thread is done."""

    data: dict[str, Any] = field(default_factory=lambda: {"status": "computing"})
    task: asyncio.Task[None] | None = None

    def ask(self, app: web.Application) -> dict[str, Any]:
        """The card as it stands; the first ask starts computing it."""
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(_decide(app, self))
        return self.data


DECISION: web.AppKey[DecisionCard] = web.AppKey("fulcrum_ui_decision", DecisionCard)
KEY = "ui"  # the config table this extension owns
MIN_AGE_S = 0.5  # polls closer together than this share one reading


@dataclass(frozen=True, slots=True)
class UiConfig:
    enabled: bool = True
    scenario: Path | None = None  # None: the embedded example
    refresh_s: float = 2.0

    def scenario_path(self) -> Path:
        if self.scenario is not None:
            return self.scenario
        return Path(
            str(resources.files("fulcrum.report").joinpath("data", "example_scenario.toml"))
        )


def parse_ui(table: Table, context: ExtensionContext) -> UiConfig:
    table.only("enabled", "scenario", "refresh_s")
    scenario = table.opt_text("scenario")
    return UiConfig(
        enabled=table.flag("enabled", True),
        scenario=None if scenario is None else (context.base / scenario),
        refresh_s=table.number("refresh_s", 2.0, low=0.2, high=3600.0),
    )


def ui_config(app: web.Application) -> UiConfig:
    """The parsed ``[ui]`` table (its defaults for a config built without the parser)."""
    config: UiConfig = app[STATE].config.extensions.get(KEY) or UiConfig()
    return config


async def ui_page(request: web.Request) -> web.StreamResponse:
    config = ui_config(request.app)
    request.app[DECISION].ask(request.app)  # ready by the page's first poll
    return web.Response(
        text=page(config.refresh_s),
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP},
    )


@dataclass
class Reader:
    """One worker thread reads the ledger; polls within ``MIN_AGE_S`` share one reading, so
    any number of open dashboards costs what one does."""

    numbers: live.LedgerNumbers
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="fulcrum-ui")
    )
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: tuple[float, dict[str, Any]] | None = None

    def _read(self, state: Any) -> dict[str, Any]:
        out = self.numbers.read()
        try:
            out["budget"] = live.budget_numbers(state)
        except READ_ERRORS as exc:  # the database went away: say so, try again next poll
            out["budget"], out["budget_note"] = None, f"cannot read the budget: {exc}"
        return out

    async def read(self, state: Any) -> dict[str, Any]:
        async with self.lock:
            now = time.monotonic()
            if self.last is None or now - self.last[0] >= MIN_AGE_S:
                loop = asyncio.get_running_loop()
                self.last = (now, await loop.run_in_executor(self.pool, self._read, state))
            return dict(self.last[1])

    def close(self) -> None:
        self.pool.submit(self.numbers.close)
        self.pool.shutdown(wait=True)


READER: web.AppKey[Reader] = web.AppKey("fulcrum_ui_reader", Reader)


async def ui_data(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    numbers = await request.app[READER].read(state)
    numbers.update(live.gateway_numbers(state))
    return web.json_response(numbers, headers={"Cache-Control": "no-store"})


async def ui_decision(request: web.Request) -> web.StreamResponse:
    """The card, with its re-evaluation line as of today (a date passes while serving)."""
    card = request.app[DECISION].ask(request.app)
    if card.get("status") == "ready":
        due = date.fromisoformat(card["reevaluate_on"])
        card = {**card, "reevaluate": reevaluate_text(due, date.today())}
    return web.json_response(card, headers={"Cache-Control": "no-store"})


# the page may load nothing from anywhere but this gateway
CSP = (
    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src 'self' data:"
)


class UiExtension:
    key = KEY

    def parse(self, table: Table, context: ExtensionContext) -> UiConfig:
        return parse_ui(table, context)

    def banner(self, parsed: UiConfig, config: Any, url: str) -> list[str]:
        """The dashboard's address (with where the key goes when client keys are set)."""
        if not parsed.enabled:
            return []
        key = "#key=<a client key>" if config.server.client_keys else ""
        return [f"dashboard: {url}/ui{key}"]

    def add_routes(self, app: web.Application) -> None:
        config = ui_config(app)
        if not config.enabled:
            return
        app[DECISION] = DecisionCard()
        app[READER] = Reader(live.LedgerNumbers(app[STATE].config.ledger.url))
        app.router.add_get("/ui", ui_page)
        app.router.add_get("/ui/data.json", ui_data)
        app.router.add_get("/ui/decision.json", ui_decision)

    async def start(self, app: web.Application) -> None:
        """Nothing at start-up: the decision card is computed when first asked for."""

    async def stop(self, app: web.Application) -> None:
        reader = app.get(READER)
        if reader is not None:
            await asyncio.get_running_loop().run_in_executor(None, reader.close)


async def _decide(app: web.Application, card: DecisionCard) -> None:
    state = app[STATE]
    scenario = ui_config(app).scenario_path()
    try:
        result = await asyncio.to_thread(decision_card, scenario, state.catalog)
    except Exception as exc:  # a bad scenario must not stop the gateway
        log.warning("ui: no decision for %s: %s", scenario, exc)
        result = {"status": "error", "error": f"{scenario}: {exc}"}
    card.data = result


EXTENSION = UiExtension()
