"""The [wake] table: defaults, named filters, and one ConfigError naming each mistake."""

from __future__ import annotations

import pytest

from fulcrum.errors import ConfigError
from fulcrum.gateway.config import load_config
from fulcrum.wake.config import DEFAULT, Fallback, WakeConfig

BACKENDS = """
[backends.api]
format = "anthropic"
base_url = "https://api.example.com"
kind = "api"
models = ["claude-sonnet-4-6"]

[backends.llama]
format = "openai"
base_url = "http://127.0.0.1:8080"
kind = "local"
models = ["qwen3-4b", "qwen3-1.7b"]

[backends.ollama]
format = "openai"
base_url = "http://127.0.0.1:11434"
kind = "local"
models = ["gemma3:27b"]

[routes]
default = "api"
"""


def wake(text: str) -> WakeConfig:
    config = load_config(text=BACKENDS + text, env={})
    parsed = config.extensions["wake"]
    assert isinstance(parsed, WakeConfig)
    return parsed


def test_without_a_table_the_first_local_backend_and_its_first_model() -> None:
    flt = wake("").filters[DEFAULT]
    assert (flt.backend, flt.model, flt.constraint) == ("llama", "qwen3-4b", "json_schema")
    assert (flt.labels, flt.wake_labels) == (("wake", "ignore"), ("wake",))
    assert str(flt.fallback) == "wake"


def test_named_filters_inherit_the_defaults_and_override_them() -> None:
    filters = wake(
        """
[wake]
model = "qwen3-1.7b"
max_tokens = 300
fallback = "ignore"

[wake.filters.ci]
labels = ["page", "later"]
wake_labels = ["page"]
fallback = "label:later"

[wake.filters.chat]
backend = "ollama"
timeout_s = 5
"""
    ).filters
    assert set(filters) == {"default", "ci", "chat"}
    ci, chat = filters["ci"], filters["chat"]
    assert (ci.backend, ci.model, ci.max_tokens) == ("llama", "qwen3-1.7b", 300)
    assert ci.fallback == Fallback(wake=None, label="later")
    assert (chat.backend, chat.model, chat.timeout_s) == ("ollama", "gemma3:27b", 5.0)
    assert str(chat.fallback) == "ignore" and chat.labels == ("wake", "ignore")


def test_new_labels_without_wake_labels_wake_on_the_first() -> None:
    flt = wake('[wake]\nlabels = ["urgent", "later", "never"]').filters[DEFAULT]
    assert flt.wake_labels == ("urgent",)


def test_an_inherited_fallback_label_the_filter_lacks_keeps_its_meaning() -> None:
    """``[wake] fallback = "label:noise"`` (do not wake) over a filter without ``noise``: the
    filter falls back to not waking, not to waking."""
    filters = wake(
        """
[wake]
labels = ["page", "later", "noise"]
wake_labels = ["page"]
fallback = "label:noise"

[wake.filters.ci]
labels = ["red", "green"]

[wake.filters.ops]
labels = ["alert", "fine"]
wake_labels = ["alert"]
fallback = "label:alert"
"""
    ).filters
    assert filters["ci"].fallback == Fallback(wake=False, label=None)
    assert filters["ops"].fallback == Fallback(wake=None, label="alert")


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("[wake]\nbackend_name = 'llama'", "wake.backend_name", "did you mean `backend`"),
        ("[wake.filters.ci]\nlabel = ['a', 'b']", "wake.filters.ci.label", "unknown key"),
        ("[wake]\nbackend = 'nope'", "wake.backend", "one of api, llama, ollama"),
        ("[wake]\nlabels = 'wake'", "wake.labels", "a list of non-empty strings"),
        ("[wake]\nlabels = ['a', 'a']", "wake.labels", "distinct labels"),
        ("[wake]\nlabels = ['only']", "wake.labels", "at least two labels"),
        ("[wake]\nlabels = []", "wake.labels", "at least two labels"),
        ("[wake]\nwake_labels = []", "wake.wake_labels", "at least one label"),
        ("[wake]\nwake_labels = ['page']", "wake.wake_labels", "labels among wake, ignore"),
        ("[wake]\nfallback = 'label:page'", "wake.fallback", "label:NAME"),
        ("[wake]\nfallback = 'maybe'", "wake.fallback", "wake, ignore or label:NAME"),
        ("[wake]\nmax_tokens = 4", "wake.max_tokens", "an integer in [16, 32768]"),
        ("[wake]\nconstraint = 'regex'", "wake.constraint", "one of json_schema"),
        ("[wake]\nbackend = 'api'\nconstraint = 'json_schema'", "wake.constraint", "anthropic"),
    ],
)
def test_each_mistake_names_its_field(text: str, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        wake(text)
    assert err.value.field == field
    assert words in str(err.value)


def test_a_gateway_without_a_local_backend_still_parses() -> None:
    text = BACKENDS.split("[backends.llama]", maxsplit=1)[0] + '[routes]\ndefault = "api"\n'
    config = load_config(text=text, env={}).extensions["wake"]
    assert config.filters == {} and config.missing is not None
    with pytest.raises(ConfigError) as err:
        load_config(text=text + "[wake]\nmax_tokens = 100\n", env={})
    assert err.value.field == "wake.backend"


def test_a_local_backend_listing_no_models_needs_no_wake_table() -> None:
    text = (
        '[backends.llama]\nformat = "openai"\nbase_url = "http://127.0.0.1:8080"\nkind = "local"\n'
    )
    wake = load_config(text=text, env={}).extensions["wake"]
    default = wake.filters["default"]
    assert (default.backend, default.model) == ("llama", "llama")
