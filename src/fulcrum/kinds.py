"""The kinds of backend, defined once for the gateway config, routing, metering and the ledger.

``local``: a server on the team's own machine, priced by :mod:`fulcrum.costs.machine`;
``api``: a frontier API, priced by the catalog's price cards.
"""

from __future__ import annotations

from typing import Literal, get_args

BackendKind = Literal["local", "api"]
BACKEND_KINDS: tuple[BackendKind, ...] = get_args(BackendKind)
