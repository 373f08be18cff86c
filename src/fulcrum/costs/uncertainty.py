"""``[uncertainty]``: the ranges a scenario's Monte Carlo draws, its draw count and its seed.

Checked when the scenario is read (so ``decide``, ``tco`` and ``report`` refuse the same
files): every key is one of :data:`RANGED`, ``draws`` or ``seed``; a range is ``[low, high]``
with ``0 <= low <= high``, a share or a rate at most 1 and a tariff at most the scenario's
own limit; ``draws`` is at most :data:`MAX_DRAWS` (each draw holds a float per option and
input, so 10^8 draws take gigabytes).
"""

from __future__ import annotations

import math

from fulcrum.costs.fields import MAX_USD_PER_KWH
from fulcrum.errors import InputError
from fulcrum.tables import Table

RANGED = (
    "usd_per_kwh",
    "api_monthly_factor",
    "hardware_price_factor",
    "maintenance_hours_factor",
    "extra_failure_rate",
    "rework_minutes",
    "local_share",
)
HIGHEST = {"local_share": 1, "extra_failure_rate": 1, "usd_per_kwh": MAX_USD_PER_KWH}
DEFAULT_DRAWS = 100_000
MAX_DRAWS = 1_000_000


def check_draws(draws: int | None) -> None:
    """The ``--draws`` flag: a whole number in [1, MAX_DRAWS] when given."""
    if draws is not None and not 1 <= draws <= MAX_DRAWS:
        raise InputError(f"--draws: expected a whole number in [1, {MAX_DRAWS}], got {draws}")


def _range(t: Table, key: str) -> tuple[float, float]:
    value = t.data[key]
    high = HIGHEST.get(key)
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
        and all(math.isfinite(x) for x in value)
    )
    if not ok or not 0 <= value[0] <= value[1] or (high is not None and value[1] > high):
        t.fail(
            key,
            "[low, high] with 0 <= low <= high" + ("" if high is None else f" <= {high}"),
            value,
        )
    return float(value[0]), float(value[1])


def parse_ranges(t: Table) -> dict[str, tuple[float, float]]:
    """The ranged inputs of an ``[uncertainty]`` table, in the file's order, all checked."""
    t.only(*RANGED, "draws", "seed")
    t.integer("draws", DEFAULT_DRAWS, low=1, high=MAX_DRAWS)
    t.integer("seed", 0, low=0)
    return {key: _range(t, key) for key in t.data if key not in ("draws", "seed")}
