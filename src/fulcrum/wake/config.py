"""The ``[wake]`` table: a default filter and named ``[wake.filters.NAME]`` overriding it.

```toml
[wake]
backend = "llama"                 # a configured backend; default: the first local one
model = "qwen3-4b"                # default: the backend's first model
labels = ["wake", "ignore"]       # the label set the model picks from
wake_labels = ["wake"]            # the labels that wake the agent
instructions = "..."              # what the filter is for (the system prompt)
max_tokens = 600                  # the answer's cap (the schema bounds the JSON well under it)
timeout_s = 30                    # the backend's whole answer, per try
fallback = "wake"                 # still invalid after one retry: wake | ignore | label:NAME
constraint = "json_schema"        # how the schema reaches the backend (default: its format's)

[wake.filters.ci]                 # POST /v1/wake/ci: every key above but the filters
labels = ["page", "later", "noise"]
wake_labels = ["page"]
```

Unknown keys, a backend that is not configured, labels that are not a list of distinct
strings, a wake label or a fallback label outside the labels: one ``ConfigError`` naming the
field. Without a ``[wake]`` table the defaults apply when a local backend is configured; if
none is, the gateway still starts and ``/v1/wake`` answers 503 saying what to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from fulcrum.gateway.extensions import ExtensionContext
from fulcrum.tables import Table
from fulcrum.wake.constraints import CONSTRAINTS, default_constraint

DEFAULT = "default"
FILTER_KEYS = (
    "backend", "model", "labels", "wake_labels", "instructions", "max_tokens", "timeout_s",
    "fallback", "constraint",
)  # fmt: skip
DEFAULT_INSTRUCTIONS = (
    "You are the wake-filter of a coding agent. You read one event from the agent's world "
    "(CI results, pull-request comments, dependency alerts, chat messages) and decide whether "
    "the agent must wake up and act on it now. Wake for failures, direct requests to the "
    "agent, security alerts and anything blocking work; ignore noise, chatter and news that "
    "needs no action."
)


@dataclass(frozen=True, slots=True)
class Fallback:
    """The decision for output that stays invalid: wake, ignore, or a fixed label."""

    wake: bool | None  # None: the label's own meaning
    label: str | None  # None: the first label of that meaning

    def __str__(self) -> str:
        if self.label is not None:
            return f"label:{self.label}"
        return "wake" if self.wake else "ignore"


@dataclass(frozen=True, slots=True)
class WakeFilter:
    name: str
    backend: str
    model: str
    labels: tuple[str, ...] = ("wake", "ignore")
    wake_labels: tuple[str, ...] = ("wake",)
    instructions: str = DEFAULT_INSTRUCTIONS
    max_tokens: int = 600
    timeout_s: float = 30.0
    fallback: Fallback = Fallback(wake=True, label=None)
    constraint: str = "json_schema"


@dataclass(frozen=True, slots=True)
class WakeConfig:
    """The filters by name (``default`` is the ``[wake]`` table's own); ``missing`` says why
    there are none (no local backend to default to)."""

    filters: Mapping[str, WakeFilter]
    missing: str | None = None


def parse_wake(table: Table, context: ExtensionContext) -> WakeConfig:
    table.only(*FILTER_KEYS, "filters")
    backends = context.backends
    named = table.has("backend")
    backend = table.choice("backend", tuple(backends)) if named else _first_local(backends)
    if backend is None:
        if table.data:
            table.fail("backend", "a configured backend (none is local to default to)")
        return WakeConfig({}, missing="no local backend is configured; set [wake] backend")
    base = _filter(DEFAULT, table, None, backends, backend)
    filters = {DEFAULT: base}
    subs = table.table("filters")
    for name in subs.data:
        sub = subs.table(name)
        sub.only(*FILTER_KEYS)
        filters[name] = _filter(name, sub, base, backends, None)
    return WakeConfig(filters)


def _first_local(backends: Mapping[str, Any]) -> str | None:
    return next((n for n, b in backends.items() if b.kind == "local"), None)


def _filter(
    name: str,
    t: Table,
    base: WakeFilter | None,
    backends: Mapping[str, Any],
    backend: str | None,
) -> WakeFilter:
    """``t``'s filter: its own keys over ``base`` (the ``[wake]`` defaults)."""
    if backend is None:
        assert base is not None
        backend = t.choice("backend", tuple(backends)) if t.has("backend") else base.backend
    config = backends[backend]
    inherited = base.backend == backend if base is not None else False
    model = t.opt_text("model") or (base.model if base is not None and inherited else "")
    # A backend that lists no models serves one whatever the name (llama.cpp, a single vLLM
    # model): its own name stands in, so a config without [wake] never fails on it.
    model = model or (config.models[0] if config.models else backend)
    start = base or WakeFilter(name=name, backend=backend, model=model)
    labels = _labels(t, "labels", start.labels, within=None)
    wake_default = start.wake_labels if labels == start.labels else labels[:1]
    wake_labels = _labels(t, "wake_labels", wake_default, within=labels)
    constraint = default_constraint(config.format) if not inherited else start.constraint
    constraint = t.choice("constraint", tuple(CONSTRAINTS), default=constraint)
    if not CONSTRAINTS[constraint].serves(config.format):
        t.fail("constraint", f"a constraint the {config.format} format carries", constraint)
    return replace(
        start,
        name=name,
        backend=backend,
        model=model,
        labels=labels,
        wake_labels=wake_labels,
        instructions=t.text("instructions", start.instructions, nonempty=True),
        max_tokens=t.integer("max_tokens", start.max_tokens, low=16, high=32768),
        timeout_s=t.number("timeout_s", start.timeout_s, low=0.01),
        fallback=_fallback(t, start, labels),
        constraint=constraint,
    )


def _labels(
    t: Table, key: str, default: tuple[str, ...], within: tuple[str, ...] | None
) -> tuple[str, ...]:
    if not t.has(key):
        return default
    values = t.str_list(key, nonempty=True)
    least = "one label" if within is not None else "two labels"  # a filter's own set: two
    if len(values) < (1 if within is not None else 2):
        t.fail(key, f"a list of at least {least}", list(values))
    if len(set(values)) != len(values):
        t.fail(key, "distinct labels", list(values))
    if within is not None and not set(values) <= set(within):
        t.fail(key, f"labels among {', '.join(within)}", list(values))
    return values


def _fallback(t: Table, start: WakeFilter, labels: tuple[str, ...]) -> Fallback:
    """``t``'s fallback; an inherited label the filter's labels lack stands for its meaning."""
    accepted = f"wake, ignore or label:NAME with NAME one of {', '.join(labels)}"
    default = start.fallback
    if not t.has("fallback"):
        if default.label is not None and default.label not in labels:
            return Fallback(wake=default.label in start.wake_labels, label=None)
        return default
    text = t.text("fallback", required=True)
    if text in ("wake", "ignore"):
        return Fallback(wake=text == "wake", label=None)
    label = text.removeprefix("label:")
    if not text.startswith("label:") or label not in labels:
        t.fail("fallback", accepted, text)
    return Fallback(wake=None, label=label)
