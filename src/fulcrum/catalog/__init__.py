"""Sourced, dated data: hardware tiers, models, quantizations, API prices and plans."""

from fulcrum.catalog.loader import Catalog, load_catalog
from fulcrum.catalog.prices import PriceCard, TokenUsage
from fulcrum.catalog.records import HardwareTier, ModelSpec, Plan, Quant

__all__ = [
    "Catalog",
    "HardwareTier",
    "ModelSpec",
    "Plan",
    "PriceCard",
    "Quant",
    "TokenUsage",
    "load_catalog",
]
