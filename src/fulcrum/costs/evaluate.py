"""Turn a validated scenario into the engine's typed inputs and numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fulcrum.catalog import Catalog, PriceCard
from fulcrum.costs.capability import CapabilityTax, capability_tax, local_failure_rate
from fulcrum.costs.scenario import HardwareOption, Scenario
from fulcrum.costs.spend import (
    Spend,
    UsageProfile,
    api_spend,
    break_even_month,
    cost_equivalence_agents,
    plan_spend,
    simple_payback_months,
)
from fulcrum.costs.tco import TcoBreakdown, TcoInput, tco
from fulcrum.errors import ConfigError

D = Decimal
DEFAULT_DUTY = D("0.25")


def _dec(opt: HardwareOption, key: str) -> Decimal | None:
    value = opt.table.get(key)
    return None if value is None else D(str(value))


def _first(*values: Decimal | None) -> Decimal:
    for value in values:
        if value is not None:
            return value
    return D(0)


def _tier_w(value: float | None) -> Decimal | None:
    return None if value is None else D(str(value))


def _stated_power(sc: Scenario, opt: HardwareOption, horizon: Decimal) -> Decimal | None:
    """A stated ``electricity_usd`` is for the scenario's horizon: pro rata for another one
    (energy grows with time, as the figure computed from watts does)."""
    stated = _dec(opt, "electricity_usd")
    return None if stated is None else stated * horizon / sc.horizon_years


def machine_price(opt: HardwareOption) -> Decimal | None:
    """The price a TCO uses: the option's own ``price_usd``, else its catalog tier's."""
    price = _dec(opt, "price_usd")
    return opt.tier.price_usd if price is None and opt.tier is not None else price


def tco_input(sc: Scenario, opt: HardwareOption, horizon: Decimal) -> TcoInput:
    tier = opt.tier
    price = machine_price(opt)
    if price is None:
        hardware = f" (hardware {opt.tier.id!r})" if opt.tier is not None else ""
        raise ConfigError(
            f"is required: the catalog has no price for {opt.name!r}{hardware}; accepted: a "
            "number >= 0",
            file=sc.path,
            field=f"{opt.where}.price_usd",
        )
    idle = _first(_dec(opt, "idle_w"), _tier_w(tier.idle_w) if tier else None)
    load = _first(_dec(opt, "load_w"), _tier_w(tier.load_w) if tier else None)
    return TcoInput(
        name=opt.name,
        hardware_usd=price,
        horizon_years=horizon,
        residual_usd=_first(_dec(opt, "residual_usd")),
        setup_hours=_first(_dec(opt, "setup_hours")),
        rate_usd_per_hour=sc.engineer_rate,
        avg_w=_dec(opt, "avg_w"),
        idle_w=idle,
        load_w=load,
        duty=_first(_dec(opt, "duty"), DEFAULT_DUTY),
        usd_per_kwh=_first(_dec(opt, "usd_per_kwh"), sc.usd_per_kwh),
        electricity_usd=_stated_power(sc, opt, horizon),
        maintenance_hours_per_year=_first(_dec(opt, "maintenance_hours_per_year")),
        ops_hours_per_month=_first(_dec(opt, "ops_hours_per_month")),
        uplift=_first(_dec(opt, "uplift")),
    )


def option_tco(sc: Scenario, opt: HardwareOption, horizon: Decimal | None = None) -> TcoBreakdown:
    return tco(tco_input(sc, opt, horizon or sc.horizon_years))


API_FIELDS = ("api.model", "api.provider")


def price_card(
    catalog: Catalog,
    model: str,
    provider: str | None,
    sc: Scenario,
    fields: tuple[str, str] = API_FIELDS,
) -> PriceCard:
    """``model``'s card at ``provider``; an error names the field (``fields``: the model's
    and the provider's) that has no price: an unknown provider, or a model no one prices."""
    card = catalog.price(model, provider)
    if card is not None:
        return card
    model_field, provider_field = fields
    if provider is not None:
        catalog.provider(provider, where=f"{sc.path}::{provider_field}")
        elsewhere = catalog.price(model)
        if elsewhere is not None:
            raise ConfigError(
                f"no price known for model {model!r} at {provider!r}; accepted: a provider "
                f"that prices it, e.g. {elsewhere.provider!r} (`fulcrum catalog prices`)",
                file=sc.path,
                field=provider_field,
            )
    raise ConfigError(
        f"no price known for model {model!r}; accepted: a model with a price in the catalog",
        file=sc.path,
        field=model_field,
    )


def api_monthly(sc: Scenario, catalog: Catalog) -> Spend:
    """The team's frontier API spend: a plan, a stated monthly figure, or tokens x prices."""
    api = sc.api
    if api.plan is not None:
        return plan_spend(catalog.plans[api.plan].monthly_usd, api.agents, sc.days_per_month)
    if api.monthly_usd is not None:
        monthly = api.monthly_usd * api.agents
        return Spend(monthly / sc.days_per_month, monthly)
    profile = UsageProfile(
        api.agents,
        api.input_tokens,
        api.output_tokens,
        api.cache_read_tokens,
        api.cache_write_tokens,
        sc.days_per_month,
    )
    return api_spend(profile, price_card(catalog, api.model, api.provider, sc))


def frontier_score(sc: Scenario, catalog: Catalog) -> Decimal | None:
    cap = sc.capability
    if cap is not None and cap.frontier_score is not None:
        return cap.frontier_score
    spec = catalog.models.get(sc.api.model)
    score = spec.swe_bench_verified if spec else None
    return None if score is None else D(str(score))


def tax_for_model(
    sc: Scenario, catalog: Catalog, model: str | None, measured_first: bool = True
) -> CapabilityTax | None:
    """Capability tax of moving the coding work to ``model`` (None without a [capability])."""
    cap = sc.capability
    if cap is None:
        return None
    if model is not None and model in cap.per_model:
        fail = cap.per_model[model]
    elif measured_first and cap.local_failure_rate is not None:
        fail = cap.local_failure_rate
    else:
        spec = catalog.models.get(model) if model else None
        local = cap.local_score if measured_first and cap.local_score is not None else None
        if local is None and spec is not None and spec.swe_bench_verified is not None:
            local = D(str(spec.swe_bench_verified))
        top = frontier_score(sc, catalog)
        if local is None or top is None:
            return None
        fail = local_failure_rate(cap.baseline_failure_rate, top, local, cap.mapping)
    extra = max(fail - cap.baseline_failure_rate, D(0))
    return capability_tax(
        cap.dispatches_per_day, extra, cap.rework_minutes, cap.engineer_rate, sc.days_per_month
    )


def tax_missing(sc: Scenario, catalog: Catalog, model: str | None) -> str:
    """Why ``tax_for_model`` has no answer for ``model``, in words."""
    if sc.capability is None:
        return "the scenario has no [capability] section"
    if frontier_score(sc, catalog) is None:
        return f"no benchmark score for the frontier model {sc.api.model!r}"
    return (
        f"{model or 'this option'} has no SWE-bench Verified score in the catalog and no "
        "measured gap (--eval-results, or [capability] local_failure_rate)"
    )


def economics(
    upfront: Decimal, running: Decimal, monthly: Decimal, api: Decimal, agents: int
) -> dict[str, Any]:
    """Break-even month, simple payback and the cost-equivalence point in agents."""
    be = break_even_month(upfront, running, api)
    payback = simple_payback_months(upfront, api)
    per_agent = api / agents
    return {
        "break_even_month": None if be is None else str(be.quantize(D("0.1"))),
        "payback_months": None if payback is None else str(payback.quantize(D("0.1"))),
        "cost_equivalence_agents": None
        if per_agent <= 0
        else str(cost_equivalence_agents(monthly, per_agent).quantize(D("0.1"))),
    }
