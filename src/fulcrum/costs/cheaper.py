"""A cheaper API tier (``[cheaper_tier] model``): the same traffic at another model's prices,
with that model's capability tax (its benchmark score through the scenario's mapping)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fulcrum.catalog.prices import TokenUsage
from fulcrum.costs.evaluate import price_card, tax_for_model, tax_missing
from fulcrum.costs.results import OptionResult, Rule

if TYPE_CHECKING:
    from fulcrum.costs.kinds import KindContext
    from fulcrum.costs.scenario import Scenario

# a coding mix (4 input tokens per output token), for a scenario that states a bill, not tokens
PROBE = TokenUsage(1_000_000, 250_000)


def traffic_mix(sc: Scenario) -> TokenUsage:
    """The tokens a price ratio is taken on: the scenario's own day when its ``[api]`` states
    tokens (cache reads and writes included), else :data:`PROBE`."""
    api = sc.api
    day = TokenUsage(api.input_tokens, api.output_tokens, api.cache_read_tokens,
                     api.cache_write_tokens)  # fmt: skip
    stated = api.plan is None and api.monthly_usd is None
    return day if stated and (day.input_tokens or day.output_tokens) else PROBE


def price_ratio(
    ctx: KindContext, model: str, provider: str | None, fields: tuple[str, str]
) -> tuple[Decimal, str]:
    """``model``'s price for the scenario's traffic (:func:`traffic_mix`) over the frontier
    model's, and its source (``fields``: where the scenario names that model and its provider)."""
    card = price_card(ctx.catalog, model, provider, ctx.sc, fields)
    frontier = price_card(ctx.catalog, ctx.sc.api.model, ctx.sc.api.provider, ctx.sc)
    mix = traffic_mix(ctx.sc)
    ratio = (card.cost(mix, one_call=False) or Decimal(0)) / (
        frontier.cost(mix, one_call=False) or Decimal(1)
    )
    return ratio, card.source


def build(ctx: KindContext) -> list[OptionResult]:
    tier = ctx.sc.section("cheaper_tier")
    if not tier:
        return []
    model = str(tier.get("model", ""))
    fields = ("cheaper_tier.model", "cheaper_tier.provider")
    ratio, source = price_ratio(ctx, model, tier.get("provider"), fields)
    tax = tax_for_model(ctx.sc, ctx.catalog, model, measured_first=False)
    why: tuple[Rule, ...] = ()
    if tax is None:
        missing = tax_missing(ctx.sc, ctx.catalog, model)
        why = (Rule("tax-not-assessed", "capability tax not assessed", missing),)
    return [
        OptionResult(
            "cheaper_api",
            f"Cheaper API tier ({model})",
            (ctx.api + ctx.wake_on_api) * ratio,
            tax.monthly if tax else Decimal(0),
            {"price_ratio": f"{ratio:.3f}", "api_share": str(ratio), "source": source},
            why,
            tax is not None,
        )
    ]
