"""Field schemas of a scenario's optional sections, checked before any arithmetic.

Each section lists its fields and what each accepts; an unknown field or a value of the
wrong kind is a ConfigError naming the file, ``section.field`` and what is accepted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from fulcrum.costs.capability import MAPPINGS
from fulcrum.errors import ConfigError

SECTIONS = (
    "scenario",
    "api",
    "options",
    "capability",
    "wake_filter",
    "hybrid",
    "cheaper_tier",
    "concurrency",
    "constraints",
    "uncertainty",
    "rent",
    "private_tenant",
)
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
        "hardware": "text",  # a catalog id: offer a wake-filter box beside the frontier API
        "price_usd": "number",
        "name": "text",
    },
    "rent": {
        "name": "text",
        "hardware": "text",
        "local_model": "text",
        "quant": "text",
        "usd_per_hour": "number",
        "hours_per_month": "number",
    },
    "private_tenant": {"provider": "text", "name": "text"},
    "hybrid": {"local_share": "fraction", "capability_tax_factor": "fraction"},
    "concurrency": {
        "calls_per_agent_hour": "number",
        "prompt_tokens": "count",
        "output_tokens": "count",
        "context_tokens": "count",
        "target_latency_s": "number",
    },
    "cheaper_tier": {"model": "text", "provider": "text"},
    "constraints": {"local_only": "flag", "private_tenant_ok": "flag"},
}
# the fields of the sections read in scenario.py (the optional ones are in SCHEMAS)
KEYS: dict[str, tuple[str, ...]] = {
    "scenario": (
        "name", "source", "horizon_years", "horizons", "engineer_rate", "usd_per_kwh",
        "days_per_month", "as_of", "re_evaluate_days",
    ),
    "api": (
        "model", "provider", "agents", "input_tokens_per_day", "output_tokens_per_day",
        "cache_read_tokens_per_day", "cache_write_tokens_per_day", "monthly_usd", "plan",
        "reference_input_usd_per_mtok", "reference_output_usd_per_mtok",
    ),
    "options": (
        "name", "hardware", "local_model", "quant", "duty", "price_usd", "setup_hours",
        "maintenance_hours_per_year", "ops_hours_per_month", "residual_usd", "uplift", "avg_w",
        "idle_w", "load_w", "electricity_usd", "usd_per_kwh",
    ),
    "capability": (
        "dispatches_per_day", "baseline_failure_rate", "local_failure_rate", "rework_minutes",
        "engineer_rate", "frontier_score", "local_score", "mapping",
    ),
}  # fmt: skip
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


def unknown(file: str, field: str, key: str, accepted: Iterable[str]) -> ConfigError:
    """An unknown key, with the closest accepted one as a suggestion."""
    names = list(accepted)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`? " if close else ""
    return ConfigError(
        f"unknown key `{key}`; {hint}accepted: {', '.join(names)}", file=file, field=field
    )


def check_keys(file: str, raw: Mapping[str, Any], sections: Iterable[str]) -> None:
    """Every section and every key of the scenario is one the engine reads."""
    names = list(sections)
    for key in raw:
        if key not in names:
            raise unknown(file, key, key, names)
    for name, fields in KEYS.items():
        value = raw.get(name)
        tables = value if isinstance(value, list) else [value]
        for i, table in enumerate(tables):
            if not isinstance(table, dict):
                continue
            where = f"{name}[{i}]" if isinstance(value, list) else name
            for key in table:
                if key not in fields:
                    raise unknown(file, f"{where}.{key}", key, fields)


def check_sections(file: str, sections: Mapping[str, Mapping[str, Any]]) -> None:
    """Validate every optional section present in a scenario."""
    for name, schema in SCHEMAS.items():
        table = sections.get(name) or {}
        for key, value in table.items():
            kind = schema.get(key)
            if kind is None:
                raise unknown(file, f"{name}.{key}", key, schema)
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
    """The API spend needs one source: a plan, a stated monthly figure, or tokens per day."""
    tokens = (api.get("input_tokens_per_day") or 0) + (api.get("output_tokens_per_day") or 0)
    given = [k for k in ("plan", "monthly_usd") if api.get(k) is not None]
    given += ["token counts"] if tokens else []
    if len(given) > 1:
        raise ConfigError(
            f"contradictory spend: {' and '.join(given)} both given; accepted: exactly one of "
            "`plan`, `monthly_usd`, or token counts per day",
            file=file,
            field="api",
        )
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
