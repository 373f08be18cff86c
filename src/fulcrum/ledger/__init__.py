"""The cost ledger: one row per call with its true cost, local calls included.

Public API (see docs/ARCHITECTURE.md, "Ledger")::

    store = open_store(url)                  # None -> SQLite in the data dir; postgresql://...
    writer = LedgerWriter(store, Pricer.from_config(machine, reference_model=...))
    writer.submit(LedgerRow(...))            # non-blocking, never raises
    writer.close()                           # flushes every submitted row

Rows never hold API keys. ``request_body``/``response_body`` are filled only when the
gateway runs with ``store_bodies = true``; otherwise the gateway passes ``None``.
"""

from fulcrum.costs.machine import LocalMachine
from fulcrum.ledger.factory import open_store
from fulcrum.ledger.pricing import Pricer, PriceSource
from fulcrum.ledger.row import LedgerRow
from fulcrum.ledger.store import Aggregate, LedgerStore, LedgerUnavailable
from fulcrum.ledger.writer import LedgerWriter

__all__ = [
    "Aggregate",
    "LedgerRow",
    "LedgerStore",
    "LedgerUnavailable",
    "LedgerWriter",
    "LocalMachine",
    "PriceSource",
    "Pricer",
    "open_store",
]
