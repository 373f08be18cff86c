"""Field schemas of a scenario's optional sections, checked before any arithmetic.

Each section lists its fields and what each accepts; an unknown field or a value of the
wrong kind is a ConfigError naming the file, ``section.field`` and what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.costs.capability import MAPPINGS
from fulcrum.errors import ConfigError

# kinds: "count" (whole number >= 0), "number" (>= 0), "fraction" ([0, 1]), "text", "flag"
SCHEMAS: dict[str, dict[str, str]] = {
    "wake_filter": {
        "calls_per_day": "count",
        "input_tokens": "count",
        "output_tokens": "count",
        "agents": "count",
        "model": "text",
        "local_w": "number",
        "seconds_per_call": "number",
    },
    "hybrid": {"local_share": "fraction", "capability_tax_factor": "fraction"},
    "concurrency": {
        "calls_per_agent_hour": "number",
        "prompt_tokens": "count",
        "output_tokens": "count",
        "context_tokens": "count",
        "target_latency_s": "number",
    },
    "cheaper_tier": {"model": "text", "provider": "text"},
    "constraints": {"local_only": "flag"},
}
ACCEPTED = {
    "count": "a whole number >= 0",
    "number": "a number >= 0",
    "fraction": "a number in [0, 1]",
    "text": "a string",
    "flag": "true or false",
}


def _ok(kind: str, value: Any) -> bool:
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str) and bool(value)
    if isinstance(value, bool):
        return False
    if kind == "count":
        return isinstance(value, int) and value >= 0
    if not isinstance(value, int | float) or value < 0:
        return False
    return kind != "fraction" or value <= 1


def check_sections(file: str, sections: Mapping[str, Mapping[str, Any]]) -> None:
    """Validate every optional section present in a scenario."""
    for name, schema in SCHEMAS.items():
        table = sections.get(name) or {}
        for key, value in table.items():
            kind = schema.get(key)
            if kind is None:
                accepted = ", ".join(schema)
                raise ConfigError(
                    f"unknown field; accepted: {accepted}", file=file, field=f"{name}.{key}"
                )
            if not _ok(kind, value):
                raise ConfigError(
                    f"expected {ACCEPTED[kind]}, got {value!r}", file=file, field=f"{name}.{key}"
                )
    cap = sections.get("capability") or {}
    mapping = cap.get("mapping", "linear")
    if mapping not in MAPPINGS:
        raise ConfigError(
            f"unknown mapping {mapping!r}; accepted: {', '.join(MAPPINGS)}",
            file=file,
            field="capability.mapping",
        )


def check_api_spend(file: str, api: Mapping[str, Any]) -> None:
    """The API spend needs a source: a plan, a stated monthly figure, or tokens per day."""
    tokens = (api.get("input_tokens_per_day") or 0) + (api.get("output_tokens_per_day") or 0)
    if api.get("plan") is None and api.get("monthly_usd") is None and not tokens:
        raise ConfigError(
            "no spend: accepted: `plan`, `monthly_usd`, or `input_tokens_per_day` and "
            "`output_tokens_per_day`",
            file=file,
            field="api",
        )
    agents = api.get("agents", 1)
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ConfigError(
            f"expected a whole number >= 1, got {agents!r}", file=file, field="api.agents"
        )
