"""The labels of a decision's inputs: measured (source, window, date) or assumed (source and
date of the catalog figure, or the scenario file)."""

from __future__ import annotations

from fulcrum.catalog import Catalog
from fulcrum.costs.evaluate import machine_price
from fulcrum.costs.labels import ASSUMED, MEASURED, InputLabel
from fulcrum.costs.scenario import HardwareOption, Scenario


def catalog_labels(sc: Scenario, catalog: Catalog) -> list[InputLabel]:
    """The API price, each option's machine price (the one its TCO uses) and the electricity
    rate, as assumed figures."""
    out: list[InputLabel] = []
    card = catalog.price(sc.api.model, sc.api.provider)
    if card is not None:
        value = f"{sc.api.model}: ${card.input}/${card.output} per million tokens in/out"
        out.append(
            InputLabel("API price", ASSUMED, value, f"catalog: {card.source}", None, card.as_of)
        )
    out += [_machine_price(sc, i, opt) for i, opt in enumerate(sc.options)]
    out.append(InputLabel("electricity", ASSUMED, f"${sc.usd_per_kwh}/kWh", f"scenario {sc.path}"))
    return out


def _machine_price(sc: Scenario, i: int, opt: HardwareOption) -> InputLabel:
    """The price the option's TCO uses, and where it comes from: the scenario or the catalog."""
    price = machine_price(opt)
    value = "price unknown" if price is None else f"${price:,}"
    name = f"machine price: {opt.name}"
    if "price_usd" in opt.table or opt.tier is None:
        return InputLabel(name, ASSUMED, value, f"scenario {sc.path} options[{i}].price_usd")
    tier = opt.tier
    return InputLabel(name, ASSUMED, value, f"catalog {tier.id}: {tier.source}", None, tier.as_of)


def capability_label(basis: str, measured: bool) -> InputLabel | None:
    """The capability tax's basis when no eval measured it."""
    if measured:
        return None
    return InputLabel("capability gap (capability tax)", ASSUMED, basis, "scenario [capability]")


def split(labels: list[InputLabel]) -> tuple[list[InputLabel], list[InputLabel]]:
    return [x for x in labels if x.basis == MEASURED], [x for x in labels if x.basis != MEASURED]
