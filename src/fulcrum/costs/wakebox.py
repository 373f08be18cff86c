"""Seed 003's recommended topology: the frontier API for the coding agent, plus a small local
box for the wake-filter and classifier calls (``[wake_filter] hardware``, optional
``price_usd`` and ``name``). Its money is the coding API bill plus that box's TCO (electricity
included); the filter is volume-bound, not capability-bound, so it carries no capability tax.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fulcrum.costs.evaluate import option_tco
from fulcrum.costs.results import OptionResult, money
from fulcrum.costs.scenario import HardwareOption

if TYPE_CHECKING:
    from fulcrum.costs.kinds import KindContext


def build(ctx: KindContext) -> list[OptionResult]:
    t = ctx.sc.section("wake_filter") or {}
    if not t.get("hardware") or ctx.wake is None:
        return []
    where = f"{ctx.sc.path}::wake_filter.hardware"
    tier = ctx.catalog.hardware_tier(str(t["hardware"]), where=where)
    table = {} if t.get("price_usd") is None else {"price_usd": t["price_usd"]}
    box = HardwareOption(str(t.get("name", tier.name)), tier, table, None, "Q4_K_M", "wake_filter")
    tco = option_tco(ctx.sc, box)
    whole = ctx.api + ctx.wake_on_api
    detail = {
        "api_share": str(ctx.api / whole) if whole else "0",
        "wake_box_tco_monthly": money(tco.monthly),
        "replaces_wake_filter_api_monthly": money(ctx.wake.api_fleet.monthly),
    }
    name = f"Frontier API + wake-filter box ({box.name})"
    return [OptionResult("wake_box", name, ctx.api + tco.monthly, Decimal(0), detail)]
