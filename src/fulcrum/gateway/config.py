"""The gateway configuration: TOML parsed once into frozen dataclasses.

Every error names the file, the field and what is accepted. ``[backends.NAME]`` is read by
:mod:`fulcrum.gateway.backendconfig` (upstream keys come from the environment or a keys file,
never from the TOML, and never appear in a ``repr``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fulcrum.errors import ConfigError
from fulcrum.gateway import extensions
from fulcrum.gateway.backendconfig import (
    KINDS,
    BackendConfig,
    BreakerPolicy,
    PoolPolicy,
    RetryPolicy,
    Timeouts,
    caps,
    parse_backends,
)
from fulcrum.gateway.serverconfig import LOOPBACK, ServerConfig, parse_server
from fulcrum.ledger.pgconn import DB_TIMEOUT_S
from fulcrum.routing.brain.config import PolicyConfig, load_policy_file, parse_policy
from fulcrum.routing.config import RoutingConfig, parse_routing_config
from fulcrum.tables import Table
from fulcrum.textfiles import parse_toml, read_text, read_toml

REPROBE_S = 5.0  # how often the embedded defaults look again for a backend while none answers
NO_BACKEND = (
    "no backend configured: add a [backends.NAME] table, start a local server "
    "(llama.cpp, Ollama, LM Studio, vLLM) on its default port, or set "
    "ANTHROPIC_API_KEY / OPENAI_API_KEY"
)

__all__ = [  # the backend types live in backendconfig; importers of this module keep them
    "KINDS",
    "BackendConfig",
    "BreakerPolicy",
    "GatewayConfig",
    "LedgerConfig",
    "PoolPolicy",
    "RetryPolicy",
    "Timeouts",
    "caps",
    "from_mapping",
    "load_config",
    "with_policy_file",
]


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    url: str | None = None
    reference_model: str = "claude-sonnet-4-6"
    timeout_s: float = DB_TIMEOUT_S  # the most any one database operation may wait


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    server: ServerConfig = field(default_factory=ServerConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    machine: Mapping[str, Any] = field(default_factory=dict)
    backends: Mapping[str, BackendConfig] = field(default_factory=dict)
    routes: RoutingConfig | None = None
    policy: PolicyConfig | None = None  # the routing brain; None: static routes only
    extensions: Mapping[str, Any] = field(default_factory=dict)  # key -> its parsed table
    source: str = "<defaults>"

    def backend(self, name: str) -> BackendConfig:
        return self.backends[name]

    def check_start(self) -> None:
        """What serving needs beyond a parsed config: a safe bind and :meth:`check_policy`."""
        self.check_bind()
        self.check_policy()

    def check_policy(self) -> None:
        """Every client key the policy names (a per-key budget, a rule's ``client_key``) is
        one the gateway was given: a typo'd name would never apply. ``serve`` and ``route
        explain --config`` both check it."""
        if self.policy is None:
            return
        names = self.server.client_key_names
        for where, name in self.policy.client_keys_named():
            if name not in names:
                known = ", ".join(names) if names else "none is set"
                raise ConfigError(
                    f"expected the name of a client key in ${self.server.client_keys_env} "
                    f"(NAME:KEY entries; {known}), got {name!r}",
                    file=self.policy.source,  # the config's, or a --policy file's
                    field=f"policy.{where}",
                )

    def check_bind(self) -> None:
        """Refuse a non-loopback bind unless client keys are configured."""
        if self.server.host not in LOOPBACK and not self.server.client_keys:
            raise ConfigError(
                f"binding {self.server.host!r} needs client keys; set "
                f"${self.server.client_keys_env} (comma-separated) or bind 127.0.0.1",
                file=self.source,
                field="server.host",
            )


def load_config(
    path: Path | None = None,
    *,
    text: str | None = None,
    env: Mapping[str, str] | None = None,
) -> GatewayConfig:
    """Parse a config file (or TOML text) into a :class:`GatewayConfig`."""
    env = os.environ if env is None else env
    source = str(path) if path is not None else "<config>"
    if text is None:
        if path is None:
            raise ConfigError("no config given", field="--config")
        text = read_text(path)
    base = path.parent if path is not None else Path.cwd()
    return from_mapping(parse_toml(text, source), source=source, env=env, base=base)


def ledger_of(path: Path) -> LedgerConfig:
    """A config file's ``[ledger]`` alone, for the commands that only read the ledger: its
    sections' names and the ledger table checked as ``fulcrum serve`` checks them, nothing
    else parsed (no backend needed)."""
    root = Table(read_toml(path), str(path), "")
    root.only(*_sections())
    return _ledger(root.table("ledger"))


def _sections() -> tuple[str, ...]:
    return ("server", "ledger", "machine", "backends", "routes", "policy", *extensions.keys())


def from_mapping(
    data: Mapping[str, Any],
    *,
    source: str,
    env: Mapping[str, str],
    base: Path,
    allow_empty: bool = False,
) -> GatewayConfig:
    """``allow_empty``: no backend is not an error (the embedded defaults before any local
    server or key shows up: the gateway serves, chat requests get a 503 saying what to do)."""
    root = Table(data, source, "")
    root.only(*_sections())
    backends = parse_backends(root.table("backends"), env, base)
    routes = None if allow_empty and not backends else _routes(root, backends)
    policy = root.data.get("policy")
    return GatewayConfig(
        server=parse_server(root.table("server"), env),
        ledger=_ledger(root.table("ledger")),
        machine=dict(root.table("machine").data),
        backends=backends,
        routes=routes,
        policy=None if policy is None or routes is None else _policy(policy, routes, source, base),
        extensions=extensions.parse_all(root, extensions.ExtensionContext(routes, backends, base)),
        source=source,
    )


def _policy(data: Any, routes: RoutingConfig, source: str, base: Path) -> PolicyConfig:
    return parse_policy(data, routes, file=source, base=base)


def with_policy_file(config: GatewayConfig, path: Path) -> GatewayConfig:
    """``config`` with the ``[policy]`` of a policy file (it replaces the config's own)."""
    assert config.routes is not None, "routes are built with the config"

    return dataclasses.replace(config, policy=load_policy_file(path, config.routes))


def _ledger(sec: Table) -> LedgerConfig:
    sec.only("url", "reference_model", "timeout_s")
    url = sec.data.get("url")
    return LedgerConfig(
        url=sec.text("url", "") if url is not None else None,
        reference_model=sec.text("reference_model", "claude-sonnet-4-6"),
        timeout_s=sec.number("timeout_s", DB_TIMEOUT_S, low=0.1, high=600),
    )


def _routes(root: Table, backends: Mapping[str, BackendConfig]) -> RoutingConfig:
    if not backends:
        raise ConfigError(NO_BACKEND, file=root.file, field="backends")
    routes = root.table("routes").data
    return parse_routing_config(routes, [caps(b) for b in backends.values()], file=root.file)
