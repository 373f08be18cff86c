"""Total cost of ownership of a local machine over a horizon.

total = hardware - residual + all-in uplift on (hardware - residual)
      + setup hours x rate + electricity + maintenance hours/yr x years x rate
      + operations hours/month x months x rate

Electricity is watts x hours x $/kWh, with watts either a stated average (``avg_w``) or
``load_w x duty + idle_w x (1 - duty)``; hours, energy and the default tariff come from
:mod:`fulcrum.costs.machine`, the model the ledger prices local calls with. A figure stated
by a source (``electricity_usd``) can be given instead; the breakdown then keeps both, the
stated one used and the computed one beside it, so inconsistent sources stay visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fulcrum.costs.machine import DEFAULT_USD_PER_KWH, HOURS_PER_YEAR, energy_usd

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class TcoInput:
    name: str
    hardware_usd: Decimal
    horizon_years: Decimal = Decimal(3)
    residual_usd: Decimal = Decimal(0)
    setup_hours: Decimal = Decimal(0)
    rate_usd_per_hour: Decimal = Decimal(75)
    avg_w: Decimal | None = None
    idle_w: Decimal = Decimal(0)
    load_w: Decimal = Decimal(0)
    duty: Decimal = Decimal(1)
    usd_per_kwh: Decimal = DEFAULT_USD_PER_KWH
    electricity_usd: Decimal | None = None
    maintenance_hours_per_year: Decimal = Decimal(0)
    ops_hours_per_month: Decimal = Decimal(0)
    uplift: Decimal = Decimal(0)

    @property
    def months(self) -> Decimal:
        return self.horizon_years * 12

    def average_watts(self) -> Decimal:
        if self.avg_w is not None:
            return self.avg_w
        return self.load_w * self.duty + self.idle_w * (1 - self.duty)


@dataclass(frozen=True, slots=True)
class TcoBreakdown:
    name: str
    horizon_years: Decimal
    hardware: Decimal
    residual: Decimal
    uplift: Decimal
    setup: Decimal
    electricity: Decimal
    electricity_computed: Decimal
    maintenance: Decimal
    operations: Decimal
    total: Decimal
    monthly: Decimal

    @property
    def upfront(self) -> Decimal:
        """Paid before the first month: hardware and setup."""
        return self.hardware + self.setup

    @property
    def running_monthly(self) -> Decimal:
        """Everything but the upfront part, per month."""
        months = self.horizon_years * 12
        return (self.total - self.upfront + self.residual) / months

    def as_dict(self) -> dict[str, str]:
        keys = (
            "hardware",
            "residual",
            "uplift",
            "setup",
            "electricity",
            "electricity_computed",
            "maintenance",
            "operations",
            "total",
            "monthly",
        )
        out = {"name": self.name, "horizon_years": str(self.horizon_years)}
        out.update({k: str(getattr(self, k).quantize(CENT)) for k in keys})
        return out


def electricity_usd(avg_w: Decimal, years: Decimal, usd_per_kwh: Decimal) -> Decimal:
    """Energy cost of ``avg_w`` watts running for ``years`` (the shared machine model)."""
    return energy_usd(avg_w, HOURS_PER_YEAR * years, usd_per_kwh)


def tco(inp: TcoInput) -> TcoBreakdown:
    """The cost breakdown of one machine over ``inp.horizon_years``."""
    computed = electricity_usd(inp.average_watts(), inp.horizon_years, inp.usd_per_kwh)
    power = computed if inp.electricity_usd is None else inp.electricity_usd
    amortized = inp.hardware_usd - inp.residual_usd
    uplift = amortized * inp.uplift
    setup = inp.setup_hours * inp.rate_usd_per_hour
    maintenance = inp.maintenance_hours_per_year * inp.horizon_years * inp.rate_usd_per_hour
    operations = inp.ops_hours_per_month * inp.months * inp.rate_usd_per_hour
    total = amortized + uplift + setup + power + maintenance + operations
    return TcoBreakdown(
        name=inp.name,
        horizon_years=inp.horizon_years,
        hardware=inp.hardware_usd,
        residual=inp.residual_usd,
        uplift=uplift,
        setup=setup,
        electricity=power,
        electricity_computed=computed,
        maintenance=maintenance,
        operations=operations,
        total=total,
        monthly=total / inp.months,
    )


def amortization_monthly(price_usd: Decimal, years: Decimal) -> Decimal:
    """Straight-line purchase price per month (seed 003's "$1,900/yr, $158/month")."""
    return price_usd / (years * 12)
