"""What-if: the same usage re-priced on the hybrid and on a cheaper API tier.

For the days the report covers (first to last day with usage):

    now        = every call at its own model's API price
    cheaper    = every call at ``cheaper_model``'s price (same tokens)
    hybrid     = (1 - local_share) x (the API rest: ``cheaper`` when a cheaper model is
                 given, else ``now``) + the machine once: usd_per_hour x 24 h x days

The local share is a share of every call (an expected value, not a pick of calls). The
machine's cost is its amortized hardware (:mod:`fulcrum.costs.machine`) for every hour of
the days covered, added once, not per call; energy is not in it, since how long the box
would be busy is not in the logs. A price that is not known makes the figure ``None``
(unknown), never $0; calls with no price under the current models are left out of
``now`` and counted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from fulcrum.costs.machine import LocalMachine
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.render import usd

HOURS_PER_DAY = Decimal(24)
DEFAULT_LOCAL_SHARE = Decimal("0.65")


def _sum(costs: list[Decimal | None]) -> tuple[Decimal, int]:
    return sum((c for c in costs if c is not None), Decimal(0)), costs.count(None)


@dataclass(frozen=True, slots=True)
class WhatIf:
    days: int
    now_usd: Decimal
    now_unknown: int
    local_share: Decimal
    hardware: str | None = None
    machine_usd: Decimal | None = None
    cheaper_model: str | None = None
    cheaper_usd: Decimal | None = None
    share_source: str = "default"

    @property
    def rest_usd(self) -> Decimal | None:
        """What the API part costs: on the cheaper tier when there is one."""
        return self.now_usd if self.cheaper_model is None else self.cheaper_usd

    @property
    def hybrid_usd(self) -> Decimal | None:
        if self.hardware is None or self.machine_usd is None or self.rest_usd is None:
            return None
        return (1 - self.local_share) * self.rest_usd + self.machine_usd

    def lines(self) -> list[str]:
        out = [f"what-if over {self.days} days: now {usd(self.now_usd, self.now_unknown)}"]
        if self.cheaper_model is not None:
            out.append(f"  all on {self.cheaper_model}: {usd(self.cheaper_usd)}")
        if self.hardware is not None:
            rest = self.cheaper_model or "the same models"
            out += [
                f"  hybrid: {self.local_share:.0%} local ({self.share_source}) on "
                f"{self.hardware} (machine {usd(self.machine_usd)}, once),",
                f"    the rest on {rest}: {usd(self.hybrid_usd)}",
            ]
        return out

    def as_dict(self) -> dict[str, object]:
        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "days": self.days,
            "now_usd": str(self.now_usd),
            "now_calls_unknown_price": self.now_unknown,
            "local_share": str(self.local_share),
            "local_share_source": self.share_source,
            "hardware": self.hardware,
            "machine_usd": money(self.machine_usd),
            "cheaper_model": self.cheaper_model,
            "cheaper_usd": money(self.cheaper_usd),
            "hybrid_usd": money(self.hybrid_usd),
        }


def what_if(
    records: list[UsageRecord],
    days: int,
    pricer: Pricer,
    *,
    local_share: Decimal = DEFAULT_LOCAL_SHARE,
    machine: LocalMachine | None = None,
    cheaper_model: str | None = None,
    share_source: str = "default",
) -> WhatIf:
    now, unknown = _sum([pricer.cost(r) for r in records])
    cheaper: Decimal | None = None
    if cheaper_model is not None:
        costs = [pricer.cost(dataclasses.replace(r, model=cheaper_model)) for r in records]
        total, missing = _sum(costs)
        cheaper = None if missing else total
    machine_usd: Decimal | None = None
    if machine is not None and machine.usd_per_hour is not None:
        machine_usd = machine.usd_per_hour * HOURS_PER_DAY * days
    return WhatIf(
        days, now, unknown, local_share,
        hardware=None if machine is None else machine.hardware or "the machine",
        machine_usd=machine_usd, cheaper_model=cheaper_model, cheaper_usd=cheaper,
        share_source=share_source,
    )  # fmt: skip
