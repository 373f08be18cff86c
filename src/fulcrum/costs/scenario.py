"""Scenario files: the TOML a user writes to ask "local, API or hybrid?".

Every field is validated here; an error names the file, the field and what is accepted.
See ``examples/*.toml`` for complete scenarios and ``docs/seeds.md`` for the seeds' ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulcrum.catalog import Catalog, HardwareTier
from fulcrum.catalog.loader import read_toml
from fulcrum.catalog.records import opt_decimal, opt_int, opt_str, req_decimal, req_str
from fulcrum.costs.fields import (
    MAX_HORIZON_YEARS,
    MAX_USD_PER_KWH,
    apply_overrides,
    check_unique_names,
    parse_date,
    parse_horizons,
)
from fulcrum.costs.schema import SECTIONS, check_api_spend, check_keys, check_sections
from fulcrum.errors import ConfigError

D = Decimal


@dataclass(frozen=True)
class ApiUsage:
    model: str
    provider: str | None
    agents: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    monthly_usd: Decimal | None
    plan: str | None
    reference_input: Decimal | None
    reference_output: Decimal | None


@dataclass(frozen=True)
class HardwareOption:
    name: str
    tier: HardwareTier | None
    table: Mapping[str, Any]
    local_model: str | None
    quant: str


@dataclass(frozen=True)
class Capability:
    dispatches_per_day: Decimal
    baseline_failure_rate: Decimal
    rework_minutes: Decimal
    engineer_rate: Decimal
    frontier_score: Decimal | None
    local_score: Decimal | None
    mapping: str
    local_failure_rate: Decimal | None
    basis: str = ""  # where the local failure rate comes from, in words
    per_model: Mapping[str, Decimal] = field(default_factory=dict)  # measured, by local model


@dataclass(frozen=True)
class Scenario:
    path: str
    name: str
    source: str
    horizon_years: Decimal
    horizons: tuple[Decimal, ...]
    engineer_rate: Decimal
    usd_per_kwh: Decimal
    days_per_month: Decimal
    as_of: date
    re_evaluate_days: int
    api: ApiUsage
    options: tuple[HardwareOption, ...]
    capability: Capability | None
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any] | None:
        return self.sections.get(name)


def _table(raw: Mapping[str, Any], key: str, file: str, required: bool) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(f"missing section [{key}]", file=file, field=key)
        return {}
    if not isinstance(value, dict):
        raise ConfigError("expected a table", file=file, field=key)
    return value


def _tokens(t: Mapping[str, Any], key: str, where: str) -> int:
    return opt_int(t, key, where) or 0


def _parse_api(t: Mapping[str, Any], where: str, catalog: Catalog) -> ApiUsage:
    model = req_str(t, "model", where)
    if model not in catalog.models and catalog.price(model) is None:
        accepted = "a catalog model id or a model genai-prices knows"
        raise ConfigError(
            f"unknown model id {model!r}; accepted: {accepted}",
            file=where.split("::", maxsplit=1)[0],
            field="api.model",
        )
    agents = opt_int(t, "agents", where)
    plan = t.get("plan")
    if plan is not None and plan not in catalog.plans:
        raise ConfigError(
            f"unknown plan {plan!r}; accepted: {', '.join(catalog.plans)}",
            file=where.split("::", maxsplit=1)[0],
            field="api.plan",
        )
    return ApiUsage(
        model=model,
        provider=t.get("provider"),
        agents=1 if agents is None else agents,
        input_tokens=_tokens(t, "input_tokens_per_day", where),
        output_tokens=_tokens(t, "output_tokens_per_day", where),
        cache_read_tokens=_tokens(t, "cache_read_tokens_per_day", where),
        cache_write_tokens=_tokens(t, "cache_write_tokens_per_day", where),
        monthly_usd=opt_decimal(t, "monthly_usd", where),
        plan=plan,
        reference_input=opt_decimal(t, "reference_input_usd_per_mtok", where),
        reference_output=opt_decimal(t, "reference_output_usd_per_mtok", where),
    )


NUMERIC_OPTION_FIELDS = (
    "price_usd",
    "setup_hours",
    "maintenance_hours_per_year",
    "ops_hours_per_month",
    "residual_usd",
    "uplift",
    "avg_w",
    "idle_w",
    "load_w",
    "electricity_usd",
    "usd_per_kwh",
)


def _parse_option(t: Any, i: int, file: str, catalog: Catalog) -> HardwareOption:
    where = f"{file}::options[{i}]"
    if not isinstance(t, dict):
        raise ConfigError("expected a table ([[options]])", file=file, field=f"options[{i}]")
    hid = t.get("hardware")
    tier = None if hid is None else catalog.hardware_tier(str(hid), where=f"{where}.hardware")
    for key in NUMERIC_OPTION_FIELDS:
        cap = MAX_USD_PER_KWH if key == "usd_per_kwh" else None
        opt_decimal(t, key, where, maximum=cap)  # validates: a number >= 0
    duty = opt_decimal(t, "duty", where)
    if duty is not None and duty > 1:
        raise ConfigError("expected a fraction in [0, 1]", file=file, field=f"options[{i}].duty")
    if tier is None and t.get("price_usd") is None:
        raise ConfigError(
            "expected `hardware` (a catalog id) or `price_usd`", file=file, field=f"options[{i}]"
        )
    local_model = t.get("local_model")
    if local_model is not None:
        catalog.model(str(local_model), where=f"{where}.local_model")
    quant = opt_str(t, "quant", where, "Q4_K_M")
    catalog.quant(quant, where=f"{where}.quant")
    name = opt_str(t, "name", where, tier.name if tier else f"option {i}")
    return HardwareOption(name, tier, t, local_model, quant)


def _parse_capability(t: Mapping[str, Any], where: str, rate: Decimal) -> Capability | None:
    if not t:
        return None
    baseline = req_decimal(t, "baseline_failure_rate", where)
    measured = opt_decimal(t, "local_failure_rate", where)
    for key, value in (("baseline_failure_rate", baseline), ("local_failure_rate", measured)):
        if value is not None and value > 1:
            raise ConfigError(
                "expected a fraction in [0, 1]",
                file=where.split("::", maxsplit=1)[0],
                field=f"capability.{key}",
            )
    return Capability(
        dispatches_per_day=req_decimal(t, "dispatches_per_day", where),
        baseline_failure_rate=baseline,
        rework_minutes=req_decimal(t, "rework_minutes", where),
        engineer_rate=opt_decimal(t, "engineer_rate", where) or rate,
        frontier_score=opt_decimal(t, "frontier_score", where),
        local_score=opt_decimal(t, "local_score", where),
        mapping=opt_str(t, "mapping", where, "linear"),
        local_failure_rate=measured,
        basis="given: [capability] local_failure_rate"
        if measured is not None
        else f"benchmark scores through the {opt_str(t, 'mapping', where, 'linear')!r} mapping",
    )


def load_scenario(
    path: Path, catalog: Catalog, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Read and validate a scenario file against ``catalog`` (``overrides``: see
    :func:`fulcrum.costs.schema.apply_overrides`)."""
    file = str(path)
    raw = apply_overrides(read_toml(path), overrides or {}, file)
    check_keys(file, raw, SECTIONS)
    s = _table(raw, "scenario", file, True)
    where = f"{file}::scenario"
    rate = req_decimal(s, "engineer_rate", where)
    horizon = req_decimal(s, "horizon_years", where, minimum=D("0.1"), maximum=MAX_HORIZON_YEARS)
    horizons = parse_horizons(s.get("horizons", [horizon]), where)
    as_of = parse_date(s.get("as_of", date.today()), file, "scenario.as_of")
    options_raw = raw.get("options", [])
    if not isinstance(options_raw, list):
        raise ConfigError("expected an array of tables [[options]]", file=file, field="options")
    sections = {k: _table(raw, k, file, False) for k in SECTIONS if k != "options"}
    check_sections(file, sections)
    check_api_spend(file, _table(raw, "api", file, True))
    return Scenario(
        path=file,
        name=opt_str(s, "name", where, path.stem),
        source=opt_str(s, "source", where),
        horizon_years=horizon,
        horizons=horizons,
        engineer_rate=rate,
        usd_per_kwh=req_decimal(s, "usd_per_kwh", where, maximum=MAX_USD_PER_KWH),
        days_per_month=opt_decimal(s, "days_per_month", where, minimum=1) or D(30),
        as_of=as_of,
        re_evaluate_days=opt_int(s, "re_evaluate_days", where) or 90,
        api=_parse_api(_table(raw, "api", file, True), f"{file}::api", catalog),
        options=check_unique_names(
            file, tuple(_parse_option(t, i, file, catalog) for i, t in enumerate(options_raw))
        ),
        capability=_parse_capability(sections["capability"], f"{file}::capability", rate),
        sections=sections,
    )
