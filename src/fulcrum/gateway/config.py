"""The gateway configuration: TOML parsed once into frozen dataclasses.

Every error names the file, the field and what is accepted. Upstream keys are read
from the environment (``api_key_env``) or a keys file (``api_key_file``), never from the
TOML itself, and they never appear in a ``repr``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fulcrum.errors import ConfigError
from fulcrum.gateway import extensions
from fulcrum.gateway.serverconfig import LOOPBACK, ServerConfig, parse_server
from fulcrum.gateway.upstream.formats import FORMATS  # the registry: the only list of formats
from fulcrum.kinds import BACKEND_KINDS, BackendKind
from fulcrum.routing.brain.config import PolicyConfig, load_policy_file, parse_policy
from fulcrum.routing.config import BackendCaps, RoutingConfig, parse_routing_config
from fulcrum.tables import Table

KINDS = BACKEND_KINDS  # defined once, in fulcrum.kinds


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    first_byte: float = 60.0
    idle: float = 60.0
    total: float = 600.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 2
    backoff_s: float = 0.05
    backoff_max_s: float = 1.0
    retry_after_cap_s: float = 2.0


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failures: int = 5
    reset_s: float = 10.0


@dataclass(frozen=True, slots=True)
class BackendConfig:
    name: str
    format: str
    base_url: str
    kind: str = "api"
    provider: str = ""
    models: tuple[str, ...] = ()
    context_window: int | None = None
    max_output_tokens: int | None = None
    count_tokens: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    api_key: str | None = field(default=None, repr=False, compare=False)
    key_source: str = ""  # where the key comes from ("$ANTHROPIC_API_KEY"), for error messages


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    url: str | None = None
    reference_model: str = "claude-sonnet-4-6"


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
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the file ({exc.strerror})", file=source) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", file=source) from exc
    base = path.parent if path is not None else Path.cwd()
    return from_mapping(data, source=source, env=env, base=base)


def from_mapping(
    data: Mapping[str, Any], *, source: str, env: Mapping[str, str], base: Path
) -> GatewayConfig:
    root = Table(data, source, "")
    root.only("server", "ledger", "machine", "backends", "routes", "policy", *extensions.keys())
    backends = _backends(root.table("backends"), env, base)
    routes = _routes(root, backends)
    policy = root.data.get("policy")
    return GatewayConfig(
        server=parse_server(root.table("server"), env),
        ledger=_ledger(root.table("ledger")),
        machine=dict(root.table("machine").data),
        backends=backends,
        routes=routes,
        policy=None if policy is None else parse_policy(policy, routes, file=source, base=base),
        extensions=extensions.parse_all(root, extensions.ExtensionContext(routes, backends, base)),
        source=source,
    )


def with_policy_file(config: GatewayConfig, path: Path) -> GatewayConfig:
    """``config`` with the ``[policy]`` of a policy file (it replaces the config's own)."""
    assert config.routes is not None, "routes are built with the config"

    return dataclasses.replace(config, policy=load_policy_file(path, config.routes))


def _ledger(sec: Table) -> LedgerConfig:
    sec.only("url", "reference_model")
    url = sec.data.get("url")
    return LedgerConfig(
        url=sec.text("url", "") if url is not None else None,
        reference_model=sec.text("reference_model", "claude-sonnet-4-6"),
    )


def _backends(sec: Table, env: Mapping[str, str], base: Path) -> dict[str, BackendConfig]:
    out: dict[str, BackendConfig] = {}
    for name in sec.data:  # each [backends.NAME] is read here, once
        out[name] = _backend(name, sec.table(name), env, base)
    return out


def _backend(name: str, sec: Table, env: Mapping[str, str], base: Path) -> BackendConfig:
    sec.only(
        "format", "base_url", "api_key_env", "api_key_file", "kind", "provider", "models",
        "context_window", "max_output_tokens", "count_tokens", "timeouts", "retry", "breaker",
    )  # fmt: skip
    fmt = sec.choice("format", tuple(FORMATS), required=True)
    base_url = sec.text("base_url", required=True).rstrip("/")
    base_url = base_url.removesuffix("/v1")
    if not base_url.startswith(("http://", "https://")):
        sec.fail("base_url", "an http:// or https:// URL", base_url)
    t = sec.table("timeouts")
    t.only("connect", "first_byte", "idle", "total")
    r = sec.table("retry")
    r.only("attempts", "backoff_s", "backoff_max_s", "retry_after_cap_s")
    b = sec.table("breaker")
    b.only("failures", "reset_s")
    return BackendConfig(
        name=name,
        format=fmt,
        base_url=base_url,
        kind=sec.choice("kind", KINDS, default="api"),
        provider=sec.text("provider", fmt if sec.data.get("kind", "api") == "api" else name),
        models=sec.str_list("models"),
        context_window=sec.opt_int("context_window", low=1),
        max_output_tokens=sec.opt_int("max_output_tokens", low=1),
        count_tokens=sec.flag("count_tokens", FORMATS[fmt].count_tokens_path is not None),
        timeouts=Timeouts(
            connect=t.number("connect", 5.0, low=0.001),
            first_byte=t.number("first_byte", 60.0, low=0.001),
            idle=t.number("idle", 60.0, low=0.001),
            total=t.number("total", 600.0, low=0.001),
        ),
        retry=RetryPolicy(
            attempts=r.integer("attempts", 2, low=1, high=10),
            backoff_s=r.number("backoff_s", 0.05, low=0.0),
            backoff_max_s=r.number("backoff_max_s", 1.0, low=0.0),
            retry_after_cap_s=r.number("retry_after_cap_s", 2.0, low=0.0),
        ),
        breaker=BreakerPolicy(
            failures=b.integer("failures", 5, low=1), reset_s=b.number("reset_s", 10.0, low=0.0)
        ),
        api_key=_api_key(sec, env, base),
        key_source=_key_source(sec),
    )


def _api_key(sec: Table, env: Mapping[str, str], base: Path) -> str | None:
    key_env = sec.data.get("api_key_env")
    key_file = sec.data.get("api_key_file")
    if key_env is not None:
        name = sec.text("api_key_env", "")
        value = env.get(name)
        if value:
            return value.strip()
    if key_file is not None:
        path = base / Path(sec.text("api_key_file", "")).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            sec.fail("api_key_file", f"a readable file holding the key ({exc.strerror})")
    return None


def _key_source(sec: Table) -> str:
    """Names the key's origin, never the key: ``$NAME`` and/or ``file PATH``."""
    env_name, file = sec.data.get("api_key_env"), sec.data.get("api_key_file")
    parts = ([f"${env_name}"] if env_name else []) + ([f"file {file}"] if file else [])
    return " or ".join(parts)


def caps(backend: BackendConfig) -> BackendCaps:
    """What routing needs of a parsed backend: routing never reads the TOML itself."""
    kind: BackendKind = "local" if backend.kind == "local" else "api"
    return BackendCaps(
        name=backend.name,
        kind=kind,
        models=backend.models,
        context_window=backend.context_window,
        max_output_tokens=backend.max_output_tokens,
    )


def _routes(root: Table, backends: Mapping[str, BackendConfig]) -> RoutingConfig:
    if not backends:
        raise ConfigError(
            "no backend configured: add a [backends.NAME] table, start a local server "
            "(llama.cpp, Ollama, LM Studio, vLLM) on its default port, or set "
            "ANTHROPIC_API_KEY / OPENAI_API_KEY",
            file=root.file,
            field="backends",
        )
    routes = root.table("routes").data
    return parse_routing_config(routes, [caps(b) for b in backends.values()], file=root.file)
