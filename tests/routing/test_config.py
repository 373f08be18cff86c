from __future__ import annotations

import tomllib
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.routing.config import (
    BackendCaps,
    RoutingConfig,
    TargetSpec,
    parse_backend_caps,
    parse_routing_config,
)

CONFIG = """
[backends.anthropic]
format = "anthropic"
base_url = "https://api.anthropic.com"
kind = "api"
context_window = 200000
max_output_tokens = 64000

[backends.llama]
format = "openai"
kind = "local"
models = ["qwen2.5-coder-7b", "Qwen/Qwen3-Coder-30B"]
context_window = 32768
max_output_tokens = 8192

[routes]
default = "anthropic"
background = "llama/qwen2.5-coder-7b"
fallbacks = ["llama"]
sticky_ttl_s = 600

[routes.aliases]
"claude-opus-*" = "anthropic"
"fast" = "llama/Qwen/Qwen3-Coder-30B"
"""


def test_parses_a_full_config() -> None:
    raw = tomllib.loads(CONFIG)
    config = parse_routing_config(raw["routes"], raw["backends"])
    assert config.backend("llama") == BackendCaps(
        "llama", "local", ("qwen2.5-coder-7b", "Qwen/Qwen3-Coder-30B"), 32768, 8192
    )
    assert config.default == TargetSpec("anthropic")
    assert config.background == TargetSpec("llama", "qwen2.5-coder-7b")
    assert dict(config.aliases)["fast"] == TargetSpec("llama", "Qwen/Qwen3-Coder-30B")
    assert config.fallbacks == (TargetSpec("llama"),)
    assert config.sticky_ttl_s == 600.0
    assert config.background_models == ("*haiku*",)


def test_defaults_when_routes_table_is_absent() -> None:
    config = parse_routing_config(None, {"a": {}})
    assert config.backends == (BackendCaps("a", "api"),)
    assert (config.default, config.background, config.aliases, config.fallbacks) == (
        None,
        None,
        (),
        (),
    )
    assert config.sticky_max_sessions == 10_000


@pytest.mark.parametrize(
    ("routes", "backends", "field", "words"),
    [
        ({}, {}, "backends", "at least one backend"),
        ({}, {"a": {"kind": "cloud"}}, "backends.a.kind", "local, api"),
        ({}, {"a": {"context_window": 0}}, "backends.a.context_window", "positive integer"),
        ({}, {"a": {"max_output_tokens": "big"}}, "backends.a.max_output_tokens", "positive"),
        ({}, {"a": {"models": "m"}}, "backends.a.models", "list of strings"),
        ({}, {"a": "x"}, "backends.a", "table"),
        ({"default": "nope"}, {"a": {}}, "routes.default", "unknown backend 'nope'"),
        ({"background": 3}, {"a": {}}, "routes.background", "backend/model"),
        ({"aliases": {"x-*": "b/m"}}, {"a": {}}, "routes.aliases.x-*", "configured: a"),
        ({"aliases": []}, {"a": {}}, "routes.aliases", "table"),
        ({"fallbacks": ["a", "zz"]}, {"a": {}}, "routes.fallbacks", "unknown backend 'zz'"),
        ({"sticky_ttl_s": -1}, {"a": {}}, "routes.sticky_ttl_s", "seconds"),
        ({"sticky_max_sessions": 0}, {"a": {}}, "routes.sticky_max_sessions", "sessions"),
        ({"background_models": [1]}, {"a": {}}, "routes.background_models", "strings"),
        ({"fallback": ["a"]}, {"a": {}}, "routes.fallback", "accepted: aliases, default"),
    ],
)
def test_errors_name_the_field(
    routes: dict[str, Any], backends: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_routing_config(routes, backends)
    assert info.value.field == field
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


def test_backend_caps_ignores_gateway_keys() -> None:
    caps = parse_backend_caps("o", {"kind": "local", "base_url": "http://127.0.0.1:8080"})
    assert caps == BackendCaps("o", "local")
