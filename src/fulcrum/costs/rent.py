"""Renting a machine (``[rent]``): seed 000's "$2K+/month to rent" and seed 003's 90-day pilot
on rented hardware. No purchase, no amortization: the hourly price (the scenario's
``usd_per_hour``, else the catalog tier's sourced ``rent_usd_per_hour``) x hours a month x the
boxes the traffic needs, with the same fit, capacity and capability-tax checks as a box bought.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fulcrum.costs.local import blockers, model_tax
from fulcrum.costs.results import OptionResult, money
from fulcrum.costs.scenario import HardwareOption
from fulcrum.costs.speed import option_speed
from fulcrum.errors import ConfigError

if TYPE_CHECKING:
    from fulcrum.costs.kinds import KindContext

HOURS_PER_MONTH = Decimal(730)  # always on: 8,760 h / 12


def build(ctx: KindContext) -> list[OptionResult]:
    t = ctx.sc.section("rent")
    if not t:
        return []
    where = f"{ctx.sc.path}::rent"
    tier = ctx.catalog.hardware_tier(str(t.get("hardware", "")), where=f"{where}.hardware")
    model = t.get("local_model")
    if model is not None:
        ctx.catalog.model(str(model), where=f"{where}.local_model")
    quant = str(t.get("quant", "Q4_K_M"))
    ctx.catalog.quant(quant, where=f"{where}.quant")
    hourly = t.get("usd_per_hour")
    rate = tier.rent_usd_per_hour if hourly is None else Decimal(str(hourly))
    if rate is None:
        raise ConfigError(
            f"no rental price for {tier.id!r} in the catalog; accepted: rent.usd_per_hour",
            file=ctx.sc.path,
            field="rent.usd_per_hour",
        )
    name = str(t.get("name", f"Rent {tier.name}"))
    opt = HardwareOption(name, tier, {}, None if model is None else str(model), quant, "rent")
    speed = option_speed(ctx.sc, ctx.catalog, opt, params=ctx.params)
    boxes = speed.boxes if speed else 1
    hours = Decimal(str(t.get("hours_per_month", HOURS_PER_MONTH)))
    tax, unassessed = model_tax(ctx.sc, ctx.catalog, opt)
    why = blockers(ctx.catalog, opt, speed) + ([unassessed] if unassessed else [])
    detail: dict[str, object] = {
        "usd_per_hour": str(rate),
        "hours_per_month": str(hours),
        "boxes": boxes,
        "source": "scenario rent.usd_per_hour" if hourly is not None else tier.rent_source,
        "per_developer_monthly": money(rate * hours * boxes / ctx.sc.api.agents),
    }
    if speed is not None:
        detail.update(speed.as_detail())
    return [
        OptionResult(
            "rent", name, rate * hours * boxes, tax, detail, tuple(why), unassessed is None
        )
    ]
