from __future__ import annotations

import tomllib
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.routing.config import (
    BackendCaps,
    RoutingConfig,
    TargetSpec,
    parse_routing_config,
)

BACKENDS = (
    BackendCaps("anthropic", "api", (), 200000, 64000),
    BackendCaps("llama", "local", ("qwen2.5-coder-7b", "Qwen/Qwen3-Coder-30B"), 32768, 8192),
)
ROUTES = """
default = "anthropic"
background = "llama/qwen2.5-coder-7b"
fallbacks = ["llama"]
sticky_ttl_s = 600

[aliases]
"claude-opus-*" = "anthropic"
"fast" = "llama/Qwen/Qwen3-Coder-30B"
"""


def test_parses_a_full_config() -> None:
    config = parse_routing_config(tomllib.loads(ROUTES), BACKENDS)
    assert config.backend("llama") == BACKENDS[1]
    assert config.default == TargetSpec("anthropic")
    assert config.background == TargetSpec("llama", "qwen2.5-coder-7b")
    assert dict(config.aliases)["fast"] == TargetSpec("llama", "Qwen/Qwen3-Coder-30B")
    assert config.fallbacks == (TargetSpec("llama"),)
    assert config.sticky_ttl_s == 600.0
    assert config.background_models == ("*haiku*",)


def test_defaults_when_routes_table_is_absent() -> None:
    config = parse_routing_config(None, [BackendCaps("a", "api")])
    assert config.backends == (BackendCaps("a", "api"),)
    assert (config.default, config.background, config.aliases, config.fallbacks) == (
        None,
        None,
        (),
        (),
    )
    assert config.sticky_max_sessions == 10_000
    assert config.sticky_cache_s == 0


A = [BackendCaps("a", "api")]


@pytest.mark.parametrize(
    ("routes", "backends", "field", "words"),
    [
        ({}, [], "backends", "at least one backend"),
        ({"default": "nope"}, A, "routes.default", "unknown backend 'nope'"),
        ({"background": 3}, A, "routes.background", "expected a non-empty string, got 3"),
        ({"aliases": {"x-*": "b/m"}}, A, "routes.aliases.x-*", "configured: a"),
        ({"aliases": []}, A, "routes.aliases", "expected a table"),
        ({"fallbacks": ["a", "zz"]}, A, "routes.fallbacks", "unknown backend 'zz'"),
        ({"sticky_ttl_s": -1}, A, "routes.sticky_ttl_s", "expected a number >= 0, got -1"),
        ({"sticky_max_sessions": 0}, A, "routes.sticky_max_sessions", "an integer >= 1"),
        ({"sticky_cache_s": -2}, A, "routes.sticky_cache_s", "expected a number >= 0, got -2"),
        ({"background_models": [1]}, A, "routes.background_models", "list of non-empty strings"),
        ({"fallback": ["a"]}, A, "routes.fallback", "did you mean `fallbacks`?"),
    ],
)
def test_errors_name_the_field(
    routes: dict[str, Any], backends: list[BackendCaps], field: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_routing_config(routes, backends, file="gw.toml")
    assert info.value.field == field
    assert info.value.file == "gw.toml"
    assert words in info.value.message
    assert info.value.exit_code == 2


def test_target_parsing_keeps_slashes_in_model_names() -> None:
    config = RoutingConfig(backends=(BackendCaps("hf", "api"),))
    assert config.parse_target("hf/meta-llama/Llama-3-8B", field="f") == TargetSpec(
        "hf", "meta-llama/Llama-3-8B"
    )
    assert config.parse_target(" hf ", field="f") == TargetSpec("hf")


def test_empty_backends_rejected_directly() -> None:
    with pytest.raises(ConfigError, match="at least one backend"):
        RoutingConfig(backends=())
