"""Load the bundled catalog and merge a user's TOML file over it.

A user file may hold any of the tables ``[hardware.ID]``, ``[models.ID]``, ``[quants.ID]``,
``[plans.ID]`` and ``[prices."MODEL"."PROVIDER"]``. Fields of an existing id are merged over
the bundled entry; a new id must carry every required field (and a source and a date).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from fulcrum.catalog.prices import (
    PriceCard,
    card_from_table,
    genai_provider,
    genai_providers,
    lookup,
    override_key,
)
from fulcrum.catalog.records import HardwareTier, ModelSpec, Plan, Quant
from fulcrum.errors import ConfigError
from fulcrum.tables import Table
from fulcrum.textfiles import read_toml

ENV_CATALOG = "FULCRUM_CATALOG"
SECTIONS = ("hardware", "models", "quants", "plans", "prices")
Raw = dict[str, dict[str, Any]]
T = TypeVar("T")


@dataclass(frozen=True)
class Catalog:
    """Sourced, dated data: hardware tiers, models, quantizations, plans and API prices."""

    hardware: Mapping[str, HardwareTier]
    models: Mapping[str, ModelSpec]
    quants: Mapping[str, Quant]
    plans: Mapping[str, Plan]
    price_overrides: Mapping[tuple[str, str | None], PriceCard] = field(default_factory=dict)
    user_file: str | None = None

    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> PriceCard | None:
        """The price card of ``model`` (at ``provider``); None when unknown, never $0."""
        spec = self.models.get(model)
        if spec is not None and spec.price_model:
            card = lookup(
                self.price_overrides, spec.price_model, provider or spec.price_provider, at
            )
            if card is not None:
                return card
        return lookup(self.price_overrides, model, provider, at)

    def providers(self) -> list[str]:
        """Every provider a price can come from: genai-prices' and the catalog files'."""
        return sorted(self._own_providers() | set(genai_providers()))

    def provider(self, pid: str, *, where: str = "") -> str:
        """``pid`` when some price comes from it (an alias such as ``bedrock`` too)."""
        if pid.lower() in self._own_providers() or genai_provider(pid) is not None:
            return pid
        return _get({p: p for p in self.providers()}, pid, "provider", where)

    def _own_providers(self) -> set[str]:
        return {card.provider.lower() for card in self.price_overrides.values()}

    def hardware_tier(self, hid: str, *, where: str = "") -> HardwareTier:
        return _get(self.hardware, hid, "hardware id", where)

    def model(self, mid: str, *, where: str = "") -> ModelSpec:
        return _get(self.models, mid, "model id", where)

    def quant(self, qid: str, *, where: str = "") -> Quant:
        return _get(self.quants, qid, "quantization", where)


def _get(table: Mapping[str, T], key: str, what: str, where: str) -> T:
    if key in table:
        return table[key]
    file, _, fld = where.partition("::")
    accepted = ", ".join(sorted(table))
    raise ConfigError(
        f"unknown {what} {key!r}; accepted: {accepted}", file=file or None, field=fld or None
    )


def _read_bundled(name: str) -> Raw:
    text = resources.files("fulcrum.catalog").joinpath("data", name).read_text("utf-8")
    data: Raw = tomllib.loads(text)
    return data


def _merge(base: Raw, extra: Mapping[str, Any], file: str, section: str) -> Raw:
    merged = {k: dict(v) for k, v in base.items()}
    tables = Table(extra, file, section)
    for key in extra:
        merged[key] = {**merged.get(key, {}), **tables.table(key).data}
    return merged


def _build_quants(raw: Raw, file: str) -> dict[str, Quant]:
    out: dict[str, Quant] = {}
    for qid, table in raw.items():
        t = Table(table, file, f"quants.{qid}")
        t.only("bits_per_weight", "source")
        bits = t.number("bits_per_weight", required=True, low=0.5)
        out[qid] = Quant(qid, bits, t.text("source", "llama.cpp quantize table"))
    return out


def _build_plans(raw: Raw, file: str) -> dict[str, Plan]:
    out: dict[str, Plan] = {}
    for pid, table in raw.items():
        t = Table(table, file, f"plans.{pid}")
        t.only("name", "monthly_usd", "source", "as_of")
        out[pid] = Plan(
            id=pid,
            name=t.text("name", required=True),
            monthly_usd=t.req_decimal("monthly_usd", low=0),
            source=t.text("source", required=True),
            as_of=t.text("as_of", required=True),
        )
    return out


def _build_prices(raw: Mapping[str, Any], file: str) -> dict[tuple[str, str | None], PriceCard]:
    out: dict[tuple[str, str | None], PriceCard] = {}
    prices = Table(raw, file, "prices")
    for model in prices.data:
        providers = prices.table(model)
        for provider in providers.data:
            t = providers.table(provider)
            card = card_from_table(model, Table({"provider": provider, **t.data}, file, t.prefix))
            out[override_key(model, card.provider)] = card
    return out


def user_catalog_path(user_file: Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """Flag first, then ``$FULCRUM_CATALOG``."""
    env = os.environ if env is None else env
    if user_file is not None:
        return user_file
    value = env.get(ENV_CATALOG)
    return Path(value) if value else None


def load_catalog(user_file: Path | None = None, env: Mapping[str, str] | None = None) -> Catalog:
    """The bundled catalog with ``user_file`` (or ``$FULCRUM_CATALOG``) merged over it."""
    raw: dict[str, Any] = {
        "hardware": _read_bundled("hardware.toml"),
        "models": _read_bundled("models.toml"),
        "quants": _read_bundled("quants.toml"),
        "plans": _read_bundled("plans.toml"),
        "prices": _read_bundled("prices.toml"),
    }
    path = user_catalog_path(user_file, env)
    name = "catalog"
    if path is not None:
        name = str(path)
        user = Table(read_toml(path), name)
        user.only(*SECTIONS)
        for section in user.data:
            tables = dict(user.table(section).data)
            if section == "prices":
                for model, provs in tables.items():
                    base = raw[section].get(model, {})
                    raw[section][model] = {**base, **provs} if isinstance(provs, dict) else provs
            else:
                raw[section] = _merge(raw[section], tables, name, section)
    hardware = {
        hid: HardwareTier.from_table(hid, Table(t, name, f"hardware.{hid}"))
        for hid, t in raw["hardware"].items()
    }
    models = {
        mid: ModelSpec.from_table(mid, Table(t, name, f"models.{mid}"))
        for mid, t in raw["models"].items()
    }
    return Catalog(
        hardware=hardware,
        models=models,
        quants=_build_quants(raw["quants"], name),
        plans=_build_plans(raw["plans"], name),
        price_overrides=_build_prices(raw["prices"], name),
        user_file=None if path is None else str(path),
    )
