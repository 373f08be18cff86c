"""What the what-if takes from a gateway config (``fulcrum usage --config FILE``).

The local share defaults to the routing policy's ``[policy] target_local_share`` and the
machine to the config's ``[machine]`` (the one that prices the gateway's local calls), both
read through the gateway's own parser, so a mistake is the same one-line error ``fulcrum
serve`` gives. A flag (``--local-share``, ``--hardware``) still wins; without either the
share is 0.65 and there is no machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fulcrum.catalog.loader import Catalog
from fulcrum.costs.machine import LocalMachine
from fulcrum.gateway.config import load_config


@dataclass(frozen=True, slots=True)
class FromConfig:
    share: Decimal | None  # None: the config has no [policy]
    machine: LocalMachine | None  # None: the config has no [machine]
    source: str


def from_gateway_config(path: Path, catalog: Catalog, env: Mapping[str, str]) -> FromConfig:
    config = load_config(path, env=env)
    policy = config.policy
    share = None if policy is None else Decimal(str(policy.target_local_share))
    machine = None
    if config.machine:
        machine = LocalMachine.from_config(config.machine, catalog.hardware, file=str(path))
    return FromConfig(share, machine, str(path))
