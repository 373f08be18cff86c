"""Typed catalog records, each read from its TOML table by :class:`fulcrum.tables.Table`.

An unknown or mistyped field is a :class:`fulcrum.errors.ConfigError` naming the file, the
field and what is accepted, so a bad catalog file fails with one clear line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fulcrum.costs.throughput import BACKEND_FAMILIES, backend_family
from fulcrum.tables import Table

# "2026-05-07", "2026-05" or "2026", then an optional note: "2026-04-16 (Claude 4 Opus ...)"
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?: \(.+\))?")

HARDWARE_KEYS = (
    "name", "memory_gb", "bandwidth_gbps", "compute_tflops", "price_usd", "idle_w", "load_w",
    "backend", "source", "as_of", "notes", "rent_usd_per_hour", "rent_source",
)  # fmt: skip
MODEL_KEYS = (
    "name", "open_weights", "total_params_b", "active_params_b", "layers", "kv_heads",
    "head_dim", "swe_bench_verified", "swe_bench_date", "bash_only", "bash_only_date",
    "price_model", "price_provider", "source", "as_of",
)  # fmt: skip


def _date(t: Table, key: str, *, required: bool = False) -> str:
    """A date as the catalog writes it: a year, a month or a day, then an optional note."""
    text = t.text(key, required=required)
    found = _DATE.fullmatch(text)
    try:
        ok = (not text and not required) or (
            found is not None and bool(date(*(int(g or 1) for g in found.groups())))
        )
    except ValueError:  # month 13, day 32
        ok = False
    if not ok:
        t.fail(key, "a date: YYYY-MM-DD, YYYY-MM or YYYY, then an optional (note)", text)
    return text


def _backend(t: Table) -> str:
    """The serving stack, free text that names one of the throughput model's families."""
    text = t.text("backend", "cuda")
    if backend_family(text) == "other":
        names = ", ".join(name for name, _ in BACKEND_FAMILIES)
        t.fail("backend", f'text naming one of {names} ("llama.cpp CUDA 12")', text)
    return text


def _num(t: Table, key: str) -> float | None:
    return t.opt_number(key, low=0)


def _size(t: Table, key: str, *, required: bool = False) -> float | None:
    """A size that cannot be zero (memory, parameters in billions)."""
    if not required and not t.has(key):
        return None
    value = t.number(key, required=required, low=0)
    if value == 0:
        t.fail(key, "a number > 0", t.data[key])
    return value


def _score(t: Table, key: str) -> float | None:
    """A benchmark score in points, as the capability tax reads it: (0, 100]."""
    return t.opt_number(key, low=0.01, high=100)


@dataclass(frozen=True, slots=True)
class HardwareTier:
    """One machine: memory, bandwidth, compute, price and power, each with a source."""

    id: str
    name: str
    memory_gb: float
    bandwidth_gbps: float
    compute_tflops: float | None
    price_usd: Decimal | None
    idle_w: float | None
    load_w: float | None
    backend: str
    source: str
    as_of: str
    notes: str = ""
    rent_usd_per_hour: Decimal | None = None  # a cloud rental price per machine-hour
    rent_source: str = ""

    @classmethod
    def from_table(cls, hid: str, t: Table) -> HardwareTier:
        t.only(*HARDWARE_KEYS)
        return cls(
            id=hid,
            name=t.text("name", required=True),
            memory_gb=_size(t, "memory_gb", required=True) or 0.0,
            bandwidth_gbps=t.number("bandwidth_gbps", required=True, low=0.001),
            compute_tflops=_num(t, "compute_tflops"),
            price_usd=t.decimal("price_usd", low=0),
            idle_w=_num(t, "idle_w"),
            load_w=_num(t, "load_w"),
            backend=_backend(t),
            source=t.text("source", required=True),
            as_of=_date(t, "as_of", required=True),
            notes=t.text("notes"),
            rent_usd_per_hour=t.decimal("rent_usd_per_hour", low=0),
            rent_source=t.text("rent_source"),
        )


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """An LLM: parameters, KV-cache geometry, benchmark scores with their dates."""

    id: str
    name: str
    open_weights: bool
    total_params_b: float | None
    active_params_b: float | None
    layers: int | None
    kv_heads: int | None
    head_dim: int | None
    swe_bench_verified: float | None
    swe_bench_date: str
    bash_only: float | None
    bash_only_date: str
    price_model: str
    price_provider: str
    source: str
    as_of: str

    @property
    def is_moe(self) -> bool:
        return (
            self.total_params_b is not None
            and self.active_params_b is not None
            and self.active_params_b < self.total_params_b
        )

    def kv_bytes_per_token(self, kv_bits: float = 16.0) -> float | None:
        """K and V for every layer: 2 x layers x kv_heads x head_dim x bytes."""
        if self.layers is None or self.kv_heads is None or self.head_dim is None:
            return None
        return 2.0 * self.layers * self.kv_heads * self.head_dim * kv_bits / 8.0

    @classmethod
    def from_table(cls, mid: str, t: Table) -> ModelSpec:
        t.only(*MODEL_KEYS)
        return cls(
            id=mid,
            name=t.text("name", required=True),
            open_weights=t.flag("open_weights", False),
            total_params_b=_size(t, "total_params_b"),
            active_params_b=_size(t, "active_params_b"),
            layers=t.opt_int("layers", low=1),
            kv_heads=t.opt_int("kv_heads", low=1),
            head_dim=t.opt_int("head_dim", low=1),
            swe_bench_verified=_score(t, "swe_bench_verified"),
            swe_bench_date=_date(t, "swe_bench_date"),
            bash_only=_score(t, "bash_only"),
            bash_only_date=_date(t, "bash_only_date"),
            price_model=t.text("price_model"),
            price_provider=t.text("price_provider"),
            source=t.text("source", required=True),
            as_of=_date(t, "as_of", required=True),
        )


@dataclass(frozen=True, slots=True)
class Quant:
    """A weight quantization and its average bits per weight (llama.cpp GGUF types)."""

    id: str
    bits_per_weight: float
    source: str


@dataclass(frozen=True, slots=True)
class Plan:
    """A subscription plan: flat monthly price per seat."""

    id: str
    name: str
    monthly_usd: Decimal
    source: str
    as_of: str
