"""The labels of a decision's inputs: measured (source, window, date) or assumed (source and
date of the catalog figure, or the scenario file)."""

from __future__ import annotations

from fulcrum.catalog import Catalog
from fulcrum.costs.labels import ASSUMED, MEASURED, InputLabel
from fulcrum.costs.scenario import Scenario


def catalog_labels(sc: Scenario, catalog: Catalog) -> list[InputLabel]:
    """The API price, each machine's price and the electricity rate, as assumed figures."""
    out: list[InputLabel] = []
    card = catalog.price(sc.api.model, sc.api.provider)
    if card is not None:
        value = f"{sc.api.model}: ${card.input}/${card.output} per million tokens in/out"
        out.append(
            InputLabel("API price", ASSUMED, value, f"catalog: {card.source}", None, card.as_of)
        )
    seen: set[str] = set()
    for opt in sc.options:
        tier = opt.tier
        if tier is None or tier.id in seen:
            continue
        seen.add(tier.id)
        price = "price unknown" if tier.price_usd is None else f"${tier.price_usd:,}"
        out.append(
            InputLabel(
                f"machine price: {tier.id}",
                ASSUMED,
                price,
                f"catalog: {tier.source}",
                None,
                tier.as_of,
            )
        )
    out.append(InputLabel("electricity", ASSUMED, f"${sc.usd_per_kwh}/kWh", f"scenario {sc.path}"))
    return out


def capability_label(basis: str, measured: bool) -> InputLabel | None:
    """The capability tax's basis when no eval measured it."""
    if measured:
        return None
    return InputLabel("capability gap (capability tax)", ASSUMED, basis, "scenario [capability]")


def split(labels: list[InputLabel]) -> tuple[list[InputLabel], list[InputLabel]]:
    return [x for x in labels if x.basis == MEASURED], [x for x in labels if x.basis != MEASURED]
