"""The capability tax a hybrid carries: the all-local option's, times ``share ** p``.

A router keeps the easiest work local, and the local model's extra failures fall mostly on the
hardest work, so the routed-local part carries less than its share of the tax.
``[hybrid] capability_tax_factor`` (an assumption, 0.25 by default) is the hybrid's fraction
of the all-local tax when 65% of the work is routed local, the seeds' router. At any other
share the tax follows ``share ** p`` through that point: none at share 0, the whole tax at
share 1; a factor of 0.65 (p = 1) is a router that picks at random, 0 a hybrid without tax.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

REFERENCE_SHARE = 0.65  # seed 000's router keeps 60-70% local
DEFAULT_FACTOR = Decimal("0.25")


def tax_exponent(factor: Decimal) -> float | None:
    """``p`` of ``share ** p`` for ``factor`` (None: the hybrid carries no tax)."""
    if factor <= 0:
        return None
    return math.log(float(factor)) / math.log(REFERENCE_SHARE)


def tax_fraction(share: Decimal, factor: Decimal) -> Decimal:
    """The hybrid's fraction of the all-local tax at ``share`` of the work routed local."""
    p = tax_exponent(factor)
    if p is None or share <= 0:
        return Decimal(0)
    return Decimal(str(round(float(share) ** p, 6)))


def factor_of(hybrid: Mapping[str, Any] | None) -> Decimal:
    """A scenario's ``[hybrid] capability_tax_factor`` (the default when it gives none)."""
    return Decimal(str((hybrid or {}).get("capability_tax_factor", DEFAULT_FACTOR)))
