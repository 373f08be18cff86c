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
from fulcrum.tables import Table
from fulcrum.textfiles import read_toml

D = Decimal
MAX_REEVALUATE_DAYS = 3660  # ten years: a later date is no re-evaluation


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
    where: str = "options"  # the scenario table it comes from (``options[0]``, ``rent``)


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


def _parse_api(t: Table, catalog: Catalog) -> ApiUsage:
    model = t.text("model", required=True)
    if model not in catalog.models and catalog.price(model) is None:
        accepted = "a catalog model id or a model genai-prices knows"
        raise ConfigError(
            f"unknown model id {model!r}; accepted: {accepted}", file=t.file, field=t.path("model")
        )
    plan = t.opt_text("plan")
    if plan is not None and plan not in catalog.plans:
        raise ConfigError(
            f"unknown plan {plan!r}; accepted: {', '.join(catalog.plans)}",
            file=t.file,
            field=t.path("plan"),
        )
    provider = t.opt_text("provider")
    if provider is not None:
        catalog.provider(provider, where=f"{t.file}::{t.path('provider')}")
    return ApiUsage(
        model=model,
        provider=provider,
        agents=t.integer("agents", 1, low=1),
        input_tokens=t.integer("input_tokens_per_day", low=0),
        output_tokens=t.integer("output_tokens_per_day", low=0),
        cache_read_tokens=t.integer("cache_read_tokens_per_day", low=0),
        cache_write_tokens=t.integer("cache_write_tokens_per_day", low=0),
        monthly_usd=t.decimal("monthly_usd", low=0),
        plan=plan,
        reference_input=t.decimal("reference_input_usd_per_mtok", low=0),
        reference_output=t.decimal("reference_output_usd_per_mtok", low=0),
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


def _parse_option(t: Table, i: int, catalog: Catalog) -> HardwareOption:
    where = f"{t.file}::{t.prefix}"
    hid = t.opt_text("hardware")
    tier = None if hid is None else catalog.hardware_tier(hid, where=f"{where}.hardware")
    for key in NUMERIC_OPTION_FIELDS:
        t.decimal(key, low=0, high=MAX_USD_PER_KWH if key == "usd_per_kwh" else None)
    t.decimal("duty", low=0, high=1)
    if tier is None and not t.has("price_usd"):
        t.fail("", "`hardware` (a catalog id) or `price_usd`")
    _residual_within_price(t, tier.price_usd if tier else None)
    local_model = t.opt_text("local_model")
    if local_model is not None:
        catalog.model(local_model, where=f"{where}.local_model")
    quant = t.text("quant", "Q4_K_M")
    catalog.quant(quant, where=f"{where}.quant")
    name = t.text("name", tier.name if tier else f"option {i}")
    return HardwareOption(name, tier, t.data, local_model, quant, where=t.prefix)


def _residual_within_price(t: Table, catalog_price: Decimal | None) -> None:
    """What the box resells for cannot exceed what it cost (a negative cost otherwise)."""
    residual, price = t.decimal("residual_usd"), t.decimal("price_usd") or catalog_price
    if residual is not None and price is not None and residual > price:
        t.fail("residual_usd", f"at most the box's price ({price:,} USD)", t.data["residual_usd"])


def _score(t: Table, key: str, *, top_ok: bool) -> Decimal | None:
    """A benchmark score in points: in (0, 100], or (0, 100) without ``top_ok`` (a frontier
    model at 100 leaves no failures for the mappings to scale)."""
    value = t.decimal(key)
    if value is not None and not (D(0) < value < 100 or (top_ok and value == 100)):
        t.fail(key, f"a score in points in (0, 100{']' if top_ok else ')'}", t.data[key])
    return value


def _parse_capability(t: Table, rate: Decimal) -> Capability | None:
    if not t.data:
        return None
    measured = t.decimal("local_failure_rate", low=0, high=1)
    mapping = t.text("mapping", "linear")
    return Capability(
        dispatches_per_day=t.req_decimal("dispatches_per_day"),
        baseline_failure_rate=t.req_decimal("baseline_failure_rate", high=1),
        rework_minutes=t.req_decimal("rework_minutes"),
        engineer_rate=t.decimal("engineer_rate", low=0) or rate,
        frontier_score=_score(t, "frontier_score", top_ok=False),
        local_score=_score(t, "local_score", top_ok=True),
        mapping=mapping,
        local_failure_rate=measured,
        basis="given: [capability] local_failure_rate"
        if measured is not None
        else f"benchmark scores through the {mapping!r} mapping",
    )


def load_scenario(
    path: Path, catalog: Catalog, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Read and validate a scenario file against ``catalog`` (``overrides``: see
    :func:`fulcrum.costs.schema.apply_overrides`)."""
    file = str(path)
    raw = apply_overrides(read_toml(path), overrides or {}, file)
    root = Table(raw, file)
    check_keys(root, SECTIONS)
    s = root.table("scenario", required=True)
    rate = s.req_decimal("engineer_rate")
    horizon = s.req_decimal("horizon_years", low=D("0.1"), high=MAX_HORIZON_YEARS)
    horizons = parse_horizons(s, horizon)
    as_of = parse_date(s.data.get("as_of", date.today()), file, "scenario.as_of")
    sections = {k: dict(root.table(k).data) for k in SECTIONS if k != "options"}
    check_sections(root)
    api = root.table("api", required=True)
    check_api_spend(file, api.data)
    return Scenario(
        path=file,
        name=s.text("name", path.stem),
        source=s.text("source"),
        horizon_years=horizon,
        horizons=horizons,
        engineer_rate=rate,
        usd_per_kwh=s.req_decimal("usd_per_kwh", high=MAX_USD_PER_KWH),
        days_per_month=s.decimal("days_per_month", D(30), low=1) or D(30),
        as_of=as_of,
        re_evaluate_days=s.integer("re_evaluate_days", 90, low=1, high=MAX_REEVALUATE_DAYS),
        api=_parse_api(api, catalog),
        options=check_unique_names(
            file, tuple(_parse_option(t, i, catalog) for i, t in enumerate(root.tables("options")))
        ),
        capability=_parse_capability(root.table("capability"), rate),
        sections=sections,
    )
