"""Option kinds: each a module with ``build(ctx) -> list[OptionResult]``, registered in
:data:`KINDS`. :func:`fulcrum.costs.decision.decide` asks every kind for its options in order;
a new kind is a new module and one line here, never a branch in the decision.

When ``[wake_filter]`` names a ``hardware`` box, the wake-filter traffic is part of every
option's money: options that bill the API pay for it there (``wake_on_api``), options with a
local box of their own run it there for its electricity (``wake_local``), and the
``wake_box`` kind offers seed 003's topology - frontier API for coding, a small box for the
filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from fulcrum.catalog import Catalog
from fulcrum.costs import cheaper, local, rent, tenant, wakebox
from fulcrum.costs.results import OptionResult, money
from fulcrum.costs.scenario import Scenario
from fulcrum.costs.spend import WakeFilterResult
from fulcrum.costs.throughput import ThroughputParams

ZERO = Decimal(0)


@dataclass(frozen=True)
class KindContext:
    sc: Scenario
    catalog: Catalog
    api: Decimal  # the coding agents' frontier API bill per month
    params: ThroughputParams | None = None
    wake: WakeFilterResult | None = None

    @property
    def wake_priced(self) -> bool:
        return self.wake is not None and bool(
            (self.sc.section("wake_filter") or {}).get("hardware")
        )

    @property
    def wake_on_api(self) -> Decimal:
        return self.wake.api_fleet.monthly if self.wake is not None and self.wake_priced else ZERO

    @property
    def wake_local(self) -> Decimal:
        if self.wake is None or not self.wake_priced:
            return ZERO
        return self.wake.local_energy_fleet.monthly


def _api(ctx: KindContext) -> list[OptionResult]:
    detail: dict[str, object] = {"api_share": "1"}
    if ctx.wake_priced:
        detail["wake_filter_monthly"] = money(ctx.wake_on_api)
    name = f"Frontier API ({ctx.sc.api.model})"
    return [OptionResult("api", name, ctx.api + ctx.wake_on_api, ZERO, detail)]


Builder = Callable[[KindContext], list[OptionResult]]
KINDS: tuple[tuple[str, Builder], ...] = (
    ("api", _api),
    ("local", local.build),
    ("cheaper_api", cheaper.build),
    ("wake_box", wakebox.build),
    ("rent", rent.build),
    ("private_tenant", tenant.build),
)


def all_options(ctx: KindContext) -> list[OptionResult]:
    return [o for _, build in KINDS for o in build(ctx)]
