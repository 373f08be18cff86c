"""A private-tenant hosted deployment (``[private_tenant] provider``: Bedrock ``aws``, Vertex
``google``, Foundry ``azure``): the frontier model itself, at that provider's prices from
``genai-prices``, so no capability tax. Seed 000: "enterprise-grade privacy is usually cheaper
via a private-tenant hosted deployment (Bedrock, Vertex, Foundry) than via a self-hosted rig".
Under ``constraints.local_only`` it is eligible only with ``private_tenant_ok = true``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fulcrum.costs.cheaper import price_ratio
from fulcrum.costs.results import OptionResult

if TYPE_CHECKING:
    from fulcrum.costs.kinds import KindContext


def build(ctx: KindContext) -> list[OptionResult]:
    t = ctx.sc.section("private_tenant")
    if not t:
        return []
    provider = str(t.get("provider", ""))
    fields = ("api.model", "private_tenant.provider")
    ratio, source = price_ratio(ctx, ctx.sc.api.model, provider, fields)
    name = str(t.get("name", f"Private tenant ({ctx.sc.api.model} on {provider})"))
    detail = {
        "provider": provider,
        "price_ratio": f"{ratio:.3f}",
        "api_share": str(ratio),
        "source": source,
    }
    return [
        OptionResult(
            "private_tenant", name, (ctx.api + ctx.wake_on_api) * ratio, Decimal(0), detail
        )
    ]
