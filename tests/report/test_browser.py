"""Debian's Chromium, headless, over a generated report and the live dashboard.

Each page: no console error, no request to any host but the gateway's (the report: none at
all but its own file), every chart's marks rendered in the DOM, a screenshot saved. On the
dashboard a number changes after a request is sent through the gateway.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fulcrum.ledger.factory import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.report.build import ReportRequest, build_report
from fulcrum.report.devtools import Browser, Page
from fulcrum.testing.gateway import running_gateway

MARKS = """[...document.querySelectorAll('figure.chart')].map(f => [f.dataset.chart,
  [...f.querySelectorAll('[id*="-mark-"]')].filter(e => {
    const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; }).length])"""


def marks(value: Any) -> dict[str, int]:
    return {name: count for name, count in value}


def send(url: str) -> None:
    body = {"model": "tiny", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    req = urllib.request.Request(url + "/v1/messages", json.dumps(body).encode(),
                                 {"content-type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


async def open_report(chromium: str, html: Path, shot: Path) -> tuple[Page, dict[str, int]]:
    async with Browser(chromium) as browser:
        page = await browser.page()
        await page.goto(html.as_uri())
        found = marks(await page.eval(MARKS))
        await page.screenshot(shot)
        return page, found


def test_report_in_chromium(  # noqa: PLR0917 - fixtures
    chromium: str, screenshots: Path, tmp_path: Path, example: Path,
    ledger_rows: list[LedgerRow], eval_export: Path,
) -> None:  # fmt: skip
    html = tmp_path / "report.html"
    html.write_text(build_report(ReportRequest(example, eval_results=eval_export, draws=2000)))
    shot = screenshots / "report.png"
    page, found = asyncio.run(open_report(chromium, html, shot))
    assert page.errors == []
    assert page.requests == [html.as_uri()]
    expected = {
        "cumulative",
        "agents",
        "montecarlo",
        "tornado",
        "passrates",
        "dailyspend",
        "localshare",
    }
    assert set(found) == expected
    assert all(count > 0 for count in found.values()), found
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def watch_dashboard(chromium: str, url: str, shot: Path) -> dict[str, Any]:
    async with Browser(chromium) as browser:
        page = await browser.page()
        await page.goto(url + "/ui")
        await page.wait_for("document.getElementById('status').textContent.startsWith('updated')")
        before = await page.eval("document.getElementById('calls').textContent")
        await asyncio.to_thread(send, url)
        after = await page.wait_for(
            f"(t => t !== {json.dumps(before)} && t)(document.getElementById('calls').textContent)"
        )
        share = await page.eval("document.getElementById('local-share').textContent")
        await page.wait_for("document.querySelector('#decision-chart figure.chart') !== null", 30)
        found = marks(await page.eval(MARKS))
        await page.screenshot(shot)
        return {"before": before, "after": after, "share": share, "marks": found,
                "errors": page.errors, "requests": page.requests}  # fmt: skip


def test_dashboard_in_chromium_with_live_traffic(
    chromium: str, screenshots: Path, gateway_toml: str
) -> None:
    shot = screenshots / "dashboard.png"
    with running_gateway(gateway_toml) as gw:
        seen = asyncio.run(watch_dashboard(chromium, gw.url, shot))
    assert (seen["before"], seen["after"], seen["share"]) == ("0", "1", "100%")
    assert seen["errors"] == []
    origin = urlsplit(gw.url).netloc
    assert seen["requests"] and {urlsplit(u).netloc for u in seen["requests"]} == {origin}
    assert seen["marks"]["cumulative"] > 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


XSS = '<img src="data:," onerror="document.title=1">'


async def read_tiles(chromium: str, url: str, ids: list[str]) -> dict[str, Any]:
    async with Browser(chromium) as browser:
        page = await browser.page()
        await page.goto(url + "/ui")
        await page.wait_for("document.getElementById('status').textContent.startsWith('updated')")
        tiles = await page.eval(
            f"Object.fromEntries({json.dumps(ids)}.map(i => [i, $(i).textContent]))"
        )
        injected = await page.eval("document.querySelectorAll('#recent img').length")
        return {"tiles": tiles, "errors": page.errors, "injected": injected}


def test_dashboard_shows_the_budget_left_and_costs_not_known(
    chromium: str, gateway_toml: str
) -> None:
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    store = open_store(None)
    try:
        store.insert_many([LedgerRow(ts=noon, backend="b", model="m", cost_usd=Decimal("2")),
                           LedgerRow(ts=noon, backend="b", model="m", cost_usd=None,
                                     session=XSS)])  # fmt: skip
    finally:
        store.close()
    budgeted = gateway_toml.replace(
        "[ui]",
        '[policy]\nfrontier = "claude"\n[policy.budget]\ndaily_usd = 20\n'
        "[policy.latency]\nttft_ms_max = 4000\n\n[ui]",
    )
    ids = ["budget", "month-unknown", "today-calls", "recent", "backends", "target"]
    with running_gateway(budgeted) as gw:
        seen = asyncio.run(read_tiles(chromium, gw.url, ids))
    assert seen["errors"] == []
    assert seen["tiles"]["budget"] == "global/day: $20.00 of $20.00"
    # the local backend's latency SLO, in its row; the learned router's threshold by the target
    assert "ok, first token too few calls (limit 4" in seen["tiles"]["backends"]
    assert seen["tiles"]["target"] == "target 65%, router threshold 0.65"
    assert "1 of unknown cost" in seen["tiles"]["month-unknown"]
    assert seen["tiles"]["today-calls"].startswith("2 calls today, 1 of unknown cost")
    assert XSS in seen["tiles"]["recent"] and not seen["injected"]  # shown as text, not markup
