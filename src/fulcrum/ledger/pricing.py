"""What each call cost, what it would have cost on the frontier, and the saving.

* API calls: the catalog's price card for (model, provider) × the call's tokens.
* Local calls: the configured :class:`LocalMachine` — amortized $/hour ((price + setup) over
  its life) × busy seconds + load watts × busy seconds × $/kWh, where busy seconds are the
  call's share of the machine (``busy_ms``: 1/n of the elapsed time while n calls run on it at
  once), or its whole duration when the share is not known.
* Every call: the counterfactual price of a reference frontier model for the same tokens,
  and ``saving = counterfactual - cost``.

API prices are looked up at the call's time (``at=row.ts``, per UTC day), so a row priced
late — held in the writer's queue, or spilled while the database was down and replayed days
later — carries the price of the day it was made, not of the day it was priced.

Anything that cannot be known (a model with no price, a machine with no price, a local call
with no duration) is ``None``, never zero. Pricing runs in the ledger writer's background
thread, off the request path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from fulcrum.catalog import Catalog, load_catalog
from fulcrum.catalog.prices import TokenUsage
from fulcrum.costs.machine import LocalMachine
from fulcrum.ledger.row import LedgerRow, utc_now

log = logging.getLogger(__name__)

DEFAULT_REFERENCE_MODEL = "claude-sonnet-4-6"
MS_PER_S = Decimal(1000)


class PriceCardLike(Protocol):
    def cost(self, usage: TokenUsage) -> Decimal | None: ...


class PriceSource(Protocol):
    """Anything with the catalog's ``price`` lookup (``fulcrum.catalog.Catalog`` is one)."""

    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> PriceCardLike | None: ...


def load_catalog_prices() -> PriceSource:
    """The project catalog (genai-prices + overrides + the user's file)."""
    return load_catalog()


class _NoPrices:
    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> PriceCardLike | None:
        return None


class Pricer:
    """Fills ``cost_usd``, ``counterfactual_usd`` and ``saving_usd`` of a row.

    ``prices`` defaults to the catalog, loaded lazily on first use (or by :meth:`warm`);
    a catalog that fails to load leaves API prices unknown and is logged once. Amounts already
    set on a row (an eval that knows its bill) are kept.
    """

    def __init__(
        self,
        prices: PriceSource | None = None,
        *,
        machine: LocalMachine | None = None,
        reference_model: str | None = DEFAULT_REFERENCE_MODEL,
        reference_provider: str | None = None,
    ) -> None:
        self._prices = prices
        self.machine = machine
        self.reference_model = reference_model
        self.reference_provider = reference_provider
        self._cards: dict[tuple[str, str | None, date | None], PriceCardLike | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(
        cls,
        machine: Mapping[str, Any] | None,
        *,
        reference_model: str | None = DEFAULT_REFERENCE_MODEL,
        prices: PriceSource | None = None,
        catalog: Catalog | None = None,
        file: str | None = None,
    ) -> Pricer:
        """Build from the gateway config's ``[machine]`` table and ``ledger.reference_model``.

        ``catalog``: the one the caller loaded at start-up (hardware ids and prices); loaded
        here only when the machine names a hardware id and none was given."""
        hardware: Mapping[str, Any] | None = None
        if catalog is None and machine and "hardware" in machine:
            catalog = load_catalog()
        if catalog is not None:
            hardware = catalog.hardware
            prices = prices or catalog
        local = LocalMachine.from_config(machine, hardware, file=file) if machine else None
        return cls(prices, machine=local, reference_model=reference_model)

    def _source(self) -> PriceSource:
        with self._lock:
            if self._prices is None:
                try:
                    self._prices = load_catalog_prices()
                except Exception:
                    log.exception("ledger: the price catalog failed to load; API costs unknown")
                    self._prices = _NoPrices()
            return self._prices

    def warm(self) -> None:
        """Load the price catalog and the reference card now (at start-up), not while the
        writer prices its first batch under load."""
        if self.reference_model:
            self.card(self.reference_model, self.reference_provider, utc_now())
        else:
            self._source()

    def card(
        self, model: str, provider: str | None, at: datetime | None = None
    ) -> PriceCardLike | None:
        """The card in force on ``at``'s UTC day (``None``: today); looked up once a day."""
        day = at.date() if at is not None else None
        key = (model, provider, day)
        if key not in self._cards:
            when = None if day is None else datetime.combine(day, time(12), tzinfo=UTC)
            self._cards[key] = self._source().price(model, provider, at=when)
        return self._cards[key]

    def api_cost(
        self, model: str, provider: str | None, usage: TokenUsage, at: datetime | None = None
    ) -> Decimal | None:
        card = self.card(model, provider, at)
        return None if card is None else card.cost(usage)

    def local_cost(self, duration_ms: float | None) -> Decimal | None:
        if self.machine is None or duration_ms is None:
            return None
        return self.machine.cost(Decimal(str(duration_ms)) / MS_PER_S)

    def price(self, row: LedgerRow) -> LedgerRow:
        """The row with its cost, counterfactual and saving filled in where knowable."""
        usage = TokenUsage(
            input_tokens=row.input_tokens,
            output_tokens=row.output_tokens,
            cache_read_tokens=row.cache_read_tokens,
            cache_write_tokens=row.cache_write_tokens,
        )
        cost = row.cost_usd
        if cost is None:
            if row.backend_kind == "local":
                busy = row.busy_ms if row.busy_ms is not None else row.duration_ms
                cost = self.local_cost(busy)
            else:
                cost = self.api_cost(row.model, row.provider, usage, row.ts)
        counterfactual = row.counterfactual_usd
        if counterfactual is None and self.reference_model:
            ref = self.reference_model
            counterfactual = self.api_cost(ref, self.reference_provider, usage, row.ts)
        saving = row.saving_usd
        if saving is None and cost is not None and counterfactual is not None:
            saving = counterfactual - cost
        return row.with_costs(cost, counterfactual, saving)
