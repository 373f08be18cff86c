"""Routing configuration: backend capabilities and the ``[routes]`` table.

```toml
[backends.llama]                  # only these keys matter to routing; the gateway reads the rest
kind = "local"                    # "local" | "api"
models = ["qwen2.5-coder-7b"]     # first = the model used when a target names only the backend
context_window = 32768            # tokens; omitted = unknown (always fits)
max_output_tokens = 8192          # max_tokens is clamped to this; omitted = no clamp

[routes]
default = "anthropic"             # "backend" or "backend/model"; omitted = first api backend
background = "llama"              # omitted = first local backend
background_models = ["*haiku*"]   # globs for Claude Code's small/fast model; [] turns it off
fallbacks = ["anthropic", "openai/gpt-5-mini"]   # the failover chain after the primary
sticky_ttl_s = 3600               # session stickiness; 0 turns it off
sticky_max_sessions = 10000

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
from fulcrum.kinds import BACKEND_KINDS, BackendKind
from fulcrum.routing.request import DEFAULT_BACKGROUND_MODELS

Kind = BackendKind  # the one definition, in fulcrum.kinds
ROUTE_KEYS = (
    "aliases",
    "default",
    "background",
    "background_models",
    "fallbacks",
    "sticky_ttl_s",
    "sticky_max_sessions",
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


def parse_backend_caps(name: str, table: Mapping[str, Any]) -> BackendCaps:
    """Read ``[backends.NAME]``'s routing keys; other keys are left to the gateway."""
    prefix = f"backends.{name}"
    kind = table.get("kind", "api")
    if kind not in BACKEND_KINDS:
        raise ConfigError(
            f"must be one of {', '.join(BACKEND_KINDS)}, got {kind!r}", field=f"{prefix}.kind"
        )
    models = _str_list(table.get("models", []), field=f"{prefix}.models")
    return BackendCaps(
        name=name,
        kind=kind,
        models=models,
        context_window=_positive(table.get("context_window"), field=f"{prefix}.context_window"),
        max_output_tokens=_positive(
            table.get("max_output_tokens"), field=f"{prefix}.max_output_tokens"
        ),
    )


def parse_routing_config(
    routes: Mapping[str, Any] | None, backends: Mapping[str, Mapping[str, Any]]
) -> RoutingConfig:
    """Build a :class:`RoutingConfig` from the parsed ``[routes]`` and ``[backends]`` tables."""
    if not isinstance(backends, Mapping) or not backends:
        raise ConfigError("at least one backend must be configured", field="backends")
    caps = tuple(
        parse_backend_caps(name, _table(t, f"backends.{name}")) for name, t in backends.items()
    )
    base = RoutingConfig(backends=caps)
    routes = _table(routes or {}, "routes")
    unknown = sorted(set(routes) - set(ROUTE_KEYS))
    if unknown:
        accepted = ", ".join(ROUTE_KEYS)
        raise ConfigError(f"unknown key; accepted: {accepted}", field=f"routes.{unknown[0]}")
    aliases = _table(routes.get("aliases", {}), "routes.aliases")
    parsed_aliases = tuple(
        (
            pattern,
            base.parse_target(
                _str(t, f"routes.aliases.{pattern}"), field=f"routes.aliases.{pattern}"
            ),
        )
        for pattern, t in aliases.items()
    )
    fallbacks = _str_list(routes.get("fallbacks", []), field="routes.fallbacks")
    return RoutingConfig(
        backends=caps,
        aliases=parsed_aliases,
        default=_optional_target(base, routes, "default"),
        background=_optional_target(base, routes, "background"),
        background_models=_str_list(
            routes.get("background_models", list(DEFAULT_BACKGROUND_MODELS)),
            field="routes.background_models",
        ),
        fallbacks=tuple(base.parse_target(f, field="routes.fallbacks") for f in fallbacks),
        sticky_ttl_s=_non_negative(routes.get("sticky_ttl_s", 3600), field="routes.sticky_ttl_s"),
        sticky_max_sessions=_positive(
            routes.get("sticky_max_sessions", 10_000),
            field="routes.sticky_max_sessions",
            unit="sessions",
        )
        or 10_000,
    )


def _optional_target(base: RoutingConfig, routes: Mapping[str, Any], key: str) -> TargetSpec | None:
    value = routes.get(key)
    if value is None:
        return None
    return base.parse_target(_str(value, f"routes.{key}"), field=f"routes.{key}")


def _table(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"must be a table, got {type(value).__name__}", field=field)
    return value


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError('must be a non-empty string "backend" or "backend/model"', field=field)
    return value


def _str_list(value: Any, *, field: str) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigError("must be a list of strings", field=field)
    if not all(isinstance(v, str) and v for v in value):
        raise ConfigError("must be a list of non-empty strings", field=field)
    return tuple(value)


def _positive(value: Any, *, field: str, unit: str = "tokens") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"must be a positive integer ({unit}), got {value!r}", field=field)
    return value


def _non_negative(value: Any, *, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"must be a number of seconds >= 0, got {value!r}", field=field)
    return float(value)
