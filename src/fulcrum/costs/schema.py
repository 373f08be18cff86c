"""Field schemas of a scenario's optional sections, checked before any arithmetic.

Each section lists its fields and what each accepts; an unknown field or a value of the
wrong kind is a ConfigError naming the file, ``section.field`` and what is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fulcrum.costs.capability import MAPPINGS
from fulcrum.costs.uncertainty import parse_ranges
from fulcrum.errors import ConfigError
from fulcrum.tables import Table

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
# kinds: "count" (integer >= 0), "number" (>= 0), "fraction" ([0, 1]), "text", "flag",
# "hours of a month" ([1, 744]: 31 days of 24 hours)
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
        "hours_per_month": "hours of a month",
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


def _read(t: Table, key: str, kind: str) -> object:
    """Read one field of an optional section by its kind."""
    if kind == "count":
        return t.integer(key, low=0)
    if kind == "number":
        return t.number(key, low=0, required=True)
    if kind == "fraction":
        return t.number(key, low=0, high=1, required=True)
    if kind == "hours of a month":
        return t.number(key, low=1, high=744, required=True)
    if kind == "flag":
        return t.flag(key)
    return t.text(key, nonempty=True)


def check_keys(root: Table, sections: Iterable[str]) -> None:
    """Every section and every key of the scenario is one the engine reads."""
    root.only(*sections)
    for name, fields in KEYS.items():
        if name == "options":
            for option in root.tables(name):
                option.only(*fields)
        elif name in root.data:
            root.table(name).only(*fields)


def check_sections(root: Table) -> None:
    """Validate every optional section present in a scenario."""
    for name, schema in SCHEMAS.items():
        t = root.table(name)
        t.only(*schema)
        for key in t.data:
            _read(t, key, schema[key])
    root.table("capability").choice("mapping", tuple(MAPPINGS), default="linear")
    parse_ranges(root.table("uncertainty"))


def check_api_spend(file: str, api: Mapping[str, Any]) -> None:
    """The API spend needs one source: a plan, a stated monthly figure, or tokens per day."""
    # given or not (their type is checked with the section's, which names the field)
    tokens = any(api.get(k) for k in ("input_tokens_per_day", "output_tokens_per_day"))
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
    pair = ("input_tokens_per_day", "output_tokens_per_day")
    if tokens and any(api.get(k) is None for k in pair):
        missing = next(k for k in pair if api.get(k) is None)
        raise ConfigError(
            "is required beside the other token count (0 if none); accepted: "
            "`input_tokens_per_day` and `output_tokens_per_day` together",
            file=file,
            field=f"api.{missing}",
        )
    Table(api, file, "api").integer("agents", 1, low=1)
