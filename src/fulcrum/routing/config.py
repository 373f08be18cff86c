"""Routing configuration: backend capabilities and the ``[routes]`` table.

The gateway parses each ``[backends.NAME]`` table once (:mod:`fulcrum.gateway.config`) and
hands routing the typed :class:`BackendCaps` of each; this module reads only ``[routes]``:

```toml
[routes]
default = "anthropic"             # "backend" or "backend/model"; omitted = first api backend
background = "llama"              # omitted = first local backend
background_models = ["*haiku*"]   # globs for Claude Code's small/fast model; [] turns it off
fallbacks = ["anthropic", "openai/gpt-5-mini"]   # the failover chain after the primary
sticky_ttl_s = 3600               # session stickiness; 0 turns it off
sticky_max_sessions = 10000
sticky_cache_s = 0                # with a [policy]: seconds a pin read from the database is reused

[routes.aliases]                  # exact names or globs, checked in order
"claude-opus-*" = "anthropic"
"fast" = "llama/qwen2.5-coder-7b"
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fulcrum.errors import ConfigError
from fulcrum.kinds import BackendKind
from fulcrum.routing.request import DEFAULT_BACKGROUND_MODELS
from fulcrum.tables import Table

Kind = BackendKind  # the one definition, in fulcrum.kinds
ROUTE_KEYS = (
    "aliases",
    "default",
    "background",
    "background_models",
    "fallbacks",
    "sticky_ttl_s",
    "sticky_max_sessions",
    "sticky_cache_s",
)


@dataclass(frozen=True, slots=True)
class BackendCaps:
    """What routing needs to know about one backend."""

    name: str
    kind: Kind
    models: tuple[str, ...] = ()
    context_window: int | None = None
    max_output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A configured destination: a backend and, optionally, a fixed upstream model."""

    backend: str
    model: str | None = None

    @property
    def label(self) -> str:
        """``backend/model``, or the backend alone when it fixes no model."""
        return f"{self.backend}/{self.model}" if self.model else self.backend


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    backends: tuple[BackendCaps, ...]
    aliases: tuple[tuple[str, TargetSpec], ...] = ()
    default: TargetSpec | None = None
    background: TargetSpec | None = None
    background_models: tuple[str, ...] = DEFAULT_BACKGROUND_MODELS
    fallbacks: tuple[TargetSpec, ...] = ()
    sticky_ttl_s: float = 3600.0
    sticky_max_sessions: int = 10_000
    sticky_cache_s: float = 0.0
    _by_name: Mapping[str, BackendCaps] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.backends:
            raise ConfigError("at least one backend must be configured", field="backends")
        object.__setattr__(self, "_by_name", {b.name: b for b in self.backends})

    def backend(self, name: str) -> BackendCaps:
        return self._by_name[name]

    def has_backend(self, name: str) -> bool:
        return name in self._by_name

    def parse_target(self, value: str, *, field: str) -> TargetSpec:
        """``"backend"`` or ``"backend/model"`` (the model may itself contain ``/``)."""
        name, _, model = value.strip().partition("/")
        if name not in self._by_name:
            accepted = ", ".join(self._by_name)
            raise ConfigError(f"unknown backend {name!r}; configured: {accepted}", field=field)
        return TargetSpec(name, model or None)


def parse_routing_config(
    routes: Mapping[str, Any] | None,
    backends: Sequence[BackendCaps],
    *,
    file: str | None = None,
) -> RoutingConfig:
    """Build a :class:`RoutingConfig` from the ``[routes]`` table and the parsed backends."""
    if not backends:
        raise ConfigError("at least one backend must be configured", file=file, field="backends")
    caps = tuple(backends)
    base = RoutingConfig(backends=caps)
    t = Table(routes or {}, file, "routes")
    t.only(*ROUTE_KEYS)
    aliases = t.table("aliases")
    return RoutingConfig(
        backends=caps,
        aliases=tuple(
            (p, _parse(base, aliases.text(p, required=True), aliases, p)) for p in aliases.data
        ),
        default=_target(base, t, "default"),
        background=_target(base, t, "background"),
        background_models=t.str_list("background_models", nonempty=True)
        if "background_models" in t.data
        else DEFAULT_BACKGROUND_MODELS,
        fallbacks=tuple(
            _parse(base, f, t, "fallbacks") for f in t.str_list("fallbacks", nonempty=True)
        ),
        sticky_ttl_s=t.number("sticky_ttl_s", 3600.0, low=0),
        sticky_max_sessions=t.integer("sticky_max_sessions", 10_000, low=1),
        sticky_cache_s=t.number("sticky_cache_s", 0.0, low=0),
    )


def _target(base: RoutingConfig, t: Table, key: str) -> TargetSpec | None:
    if key not in t.data:
        return None
    return _parse(base, t.text(key, required=True), t, key)


def _parse(base: RoutingConfig, value: str, t: Table, key: str) -> TargetSpec:
    try:
        return base.parse_target(value, field=t.path(key))
    except ConfigError as exc:
        raise ConfigError(exc.detail, file=t.file, field=exc.field) from None


def served_model(caps: BackendCaps, requested: str) -> str:
    """The requested model when the backend serves it (or lists nothing), else its first."""
    if not caps.models or requested in caps.models:
        return requested
    return caps.models[0]
