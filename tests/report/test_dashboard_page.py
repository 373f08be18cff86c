"""The ``/ui`` page's own rendering in Debian's Chromium: amounts, dates, hints."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fulcrum.ledger.factory import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.report.devtools import Browser
from fulcrum.testing.gateway import running_gateway

UPDATED = "document.getElementById('status').textContent.startsWith('updated')"


async def read_page(
    chromium: str, url: str, ready: str, ids: list[str], shown: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Each element's text once ``ready`` holds, whether each of ``shown`` takes any room on
    the page, and the page's errors."""
    async with Browser(chromium) as browser:
        page = await browser.page()
        await page.goto(url)
        await page.wait_for(ready, 30)
        texts = await page.eval(
            f"Object.fromEntries({json.dumps(ids)}.map(i => [i, $(i).textContent]))"
        )
        room = await page.eval(
            f"Object.fromEntries({json.dumps(list(shown))}.map(i => "
            "[i, $(i).getBoundingClientRect().height > 0]))"
        )
        return {"texts": texts, "errors": page.errors, "shown": room}


def test_a_spend_under_a_cent_keeps_its_digits(chromium: str, gateway_toml: str) -> None:
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    store = open_store(None)
    try:
        store.insert_many([LedgerRow(ts=noon, backend="b", model="m", cost_usd=Decimal(c))
                           for c in ("0.000267", "0.000933")])  # fmt: skip
    finally:
        store.close()
    with running_gateway(gateway_toml) as gw:
        seen = asyncio.run(read_page(chromium, gw.url + "/ui", UPDATED, ["today-usd", "recent"]))
    assert seen["errors"] == []
    assert seen["texts"]["today-usd"] == "$0.0012"
    assert "$0.00027" in seen["texts"]["recent"] and "$0.00093" in seen["texts"]["recent"]


def test_an_overdue_re_evaluation_says_so_on_the_card(
    chromium: str, gateway_toml: str, example: Path, tmp_path: Path
) -> None:
    as_of = date.today() - timedelta(days=200)
    scenario = tmp_path / "stale.toml"
    scenario.write_text(example.read_text().replace('as_of = "2026-05-07"', f'as_of = "{as_of}"'))
    config = gateway_toml.replace("[ui]", f"[ui]\nscenario = {json.dumps(str(scenario))}")
    ready = "document.getElementById('decision-total').textContent !== ''"
    with running_gateway(config) as gw:
        seen = asyncio.run(read_page(chromium, gw.url + "/ui", ready, ["decision-total"]))
    assert seen["errors"] == []
    due = as_of + timedelta(days=90)
    assert f"overdue since {due} (" in seen["texts"]["decision-total"]
    assert re.match(r"\$\d{1,3}(,\d{3})*\.\d\d/month", seen["texts"]["decision-total"])


def test_without_a_key_it_says_where_the_key_goes(
    chromium: str, gateway_toml: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "sekrit")
    ready = "document.getElementById('status').textContent.startsWith('data:')"
    with running_gateway(gateway_toml) as gw:
        seen = asyncio.run(read_page(chromium, gw.url + "/ui", ready, ["status"]))
    assert seen["texts"]["status"].startswith("data: HTTP 401")
    assert "/ui#key=" in seen["texts"]["status"]


def test_times_say_utc_and_an_empty_connect_next_is_hidden(
    chromium: str, gateway_toml: str
) -> None:
    ids, shown = ["status", "recent-head"], ("connect-next", "backends")
    with running_gateway(gateway_toml) as gw:  # a local and a frontier backend: nothing missing
        seen = asyncio.run(read_page(chromium, gw.url + "/ui", UPDATED, ids, shown))
    assert seen["errors"] == []
    assert seen["texts"]["status"].endswith(" UTC")
    assert seen["texts"]["recent-head"].startswith("time (UTC)")
    assert seen["shown"] == {"connect-next": False, "backends": True}
