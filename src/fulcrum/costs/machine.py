"""The one machine-cost model: amortized hardware plus energy, per hour of the machine's life.

    usd_per_hour   = (price_usd + setup_usd) / (life_years × 8,760 h)
    energy(h, W)   = W × h / 1,000 × usd_per_kwh
    busy cost(s)   = usd_per_hour × s / 3,600 + energy(s / 3,600, load_w)
    idle cost(s)   = usd_per_hour × s / 3,600 + energy(s / 3,600, idle_w)

The TCO engine (:mod:`fulcrum.costs.tco`) and the ledger's pricing of local calls
(:mod:`fulcrum.ledger.pricing`) both use it, so a month of ledger rows on one machine plus
that month's idle cost is what ``fulcrum tco`` says the month costs at that utilisation
(``duty``). Amortization spreads the box over every hour of its life: a call pays for the
seconds it kept the box busy; idle hours are charged to no call (the TCO engine counts them).
A price or wattage that is not known makes a cost ``None``, never zero.

Gateway config (``[machine]``)::

    hardware = "rtx-5090"        # a catalog id supplying price_usd, load_w, idle_w; or give them:
    price_usd = 2800
    load_w = 575
    idle_w = 30
    life_years = 3               # default 3
    usd_per_kwh = 0.18           # default 0.18 (an assumption: set your tariff)
    setup_usd = 0                # or setup_hours × hourly_rate_usd
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fulcrum.tables import Table

HOURS_PER_YEAR = Decimal(8760)  # 365 days, as the seeds' TCO tables count
SECONDS_PER_HOUR = Decimal(3600)
WATTS_PER_KW = Decimal(1000)
DEFAULT_LIFE_YEARS = Decimal(3)
DEFAULT_USD_PER_KWH = Decimal("0.18")


def energy_usd(watts: Decimal, hours: Decimal, usd_per_kwh: Decimal) -> Decimal:
    """Energy cost of ``watts`` drawn for ``hours``."""
    return watts * hours / WATTS_PER_KW * usd_per_kwh


def amortized_usd_per_hour(capital_usd: Decimal, life_years: Decimal) -> Decimal:
    """Capital spread evenly over every hour of ``life_years``."""
    return capital_usd / (life_years * HOURS_PER_YEAR)


_KEYS = (
    "hardware",
    "price_usd",
    "load_w",
    "idle_w",
    "life_years",
    "usd_per_kwh",
    "setup_usd",
    "setup_hours",
    "hourly_rate_usd",
)


@dataclass(frozen=True, slots=True)
class LocalMachine:
    price_usd: Decimal | None
    load_w: Decimal | None
    life_years: Decimal = DEFAULT_LIFE_YEARS
    usd_per_kwh: Decimal = DEFAULT_USD_PER_KWH
    setup_usd: Decimal = Decimal(0)
    idle_w: Decimal | None = None
    hardware: str | None = None

    @property
    def usd_per_hour(self) -> Decimal | None:
        """Amortized hardware and setup cost per hour of the machine's life."""
        if self.price_usd is None:
            return None
        return amortized_usd_per_hour(self.price_usd + self.setup_usd, self.life_years)

    def energy_cost(self, busy_seconds: Decimal) -> Decimal | None:
        if self.load_w is None:
            return None
        return energy_usd(self.load_w, busy_seconds / SECONDS_PER_HOUR, self.usd_per_kwh)

    def cost(self, busy_seconds: Decimal) -> Decimal | None:
        """Amortized hardware + energy at load for ``busy_seconds`` of work; ``None`` if
        unknown. What the ledger charges a local call."""
        return self._cost(busy_seconds, self.load_w)

    def idle_cost(self, idle_seconds: Decimal) -> Decimal | None:
        """Amortized hardware + energy at idle for ``idle_seconds`` no call used (idle power
        unknown counts as 0 W). Busy plus idle over a month is the TCO's month."""
        return self._cost(idle_seconds, self.idle_w or Decimal(0))

    def _cost(self, seconds: Decimal, watts: Decimal | None) -> Decimal | None:
        hourly = self.usd_per_hour
        if hourly is None or watts is None:
            return None
        hours = seconds / SECONDS_PER_HOUR
        return hourly * hours + energy_usd(watts, hours, self.usd_per_kwh)

    @classmethod
    def from_config(
        cls,
        section: Mapping[str, Any],
        hardware: Mapping[str, Any] | None = None,
        *,
        file: str | None = None,
    ) -> LocalMachine:
        """Build from a ``[machine]`` table; ``hardware`` is the catalog's id -> tier map."""
        t = Table(section, file, "machine")
        t.only(*_KEYS)
        tier: Any = None
        hid = t.opt_text("hardware")
        if hid is not None:
            if hardware is None or hid not in hardware:
                t.fail(
                    "hardware", f"a catalog hardware id ({', '.join(sorted(hardware or {}))})", hid
                )
            tier = hardware[hid]

        def value(key: str, default: Decimal | None = None) -> Decimal | None:
            if t.has(key) or tier is None or getattr(tier, key, None) is None:
                return t.decimal(key, default, low=0)
            return Decimal(str(getattr(tier, key)))

        life = value("life_years", DEFAULT_LIFE_YEARS)
        if life is None or life <= 0:
            t.fail("life_years", "a number of years > 0", section.get("life_years"))
        setup = value("setup_usd")
        if setup is None:
            hours, rate = value("setup_hours"), value("hourly_rate_usd")
            setup = hours * rate if hours is not None and rate is not None else Decimal(0)
        return cls(
            price_usd=value("price_usd"),
            load_w=value("load_w"),
            life_years=life,
            usd_per_kwh=value("usd_per_kwh", DEFAULT_USD_PER_KWH) or Decimal(0),
            setup_usd=setup,
            idle_w=value("idle_w"),
            hardware=hid,
        )
