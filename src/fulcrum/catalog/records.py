"""Typed catalog records and the field readers that validate them.

Every reader raises :class:`fulcrum.errors.ConfigError` naming the file, the field and what
is accepted, so a bad catalog or scenario file fails with one clear line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fulcrum.errors import ConfigError


def _fail(where: str, key: str, accepted: str, got: Any) -> ConfigError:
    file, _, prefix = where.partition("::")
    field = f"{prefix}.{key}" if prefix else key
    return ConfigError(f"expected {accepted}, got {got!r}", file=file or None, field=field)


def req_str(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise _fail(where, key, "a non-empty string", value)
    return value


def opt_str(table: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise _fail(where, key, "a string", value)
    return value


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def req_decimal(
    table: Mapping[str, Any],
    key: str,
    where: str,
    *,
    minimum: Decimal | int = 0,
    maximum: Decimal | int | None = None,
) -> Decimal:
    accepted = (
        f"a number >= {minimum}" if maximum is None else f"a number in [{minimum}, {maximum}]"
    )
    if key not in table:
        raise _fail(where, key, f"{accepted} (missing)", None)
    value = _to_decimal(table[key])
    if value is None or value < minimum or (maximum is not None and value > maximum):
        raise _fail(where, key, accepted, table[key])
    return value


def opt_decimal(
    table: Mapping[str, Any],
    key: str,
    where: str,
    *,
    minimum: Decimal | int = 0,
    maximum: Decimal | int | None = None,
) -> Decimal | None:
    if table.get(key) is None:
        return None
    return req_decimal(table, key, where, minimum=minimum, maximum=maximum)


def req_float(table: Mapping[str, Any], key: str, where: str, *, minimum: float = 0.0) -> float:
    return float(req_decimal(table, key, where, minimum=Decimal(str(minimum))))


def opt_float(table: Mapping[str, Any], key: str, where: str) -> float | None:
    value = opt_decimal(table, key, where)
    return None if value is None else float(value)


def opt_int(table: Mapping[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, key, "a whole number >= 0", value)
    return value


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
    def from_table(cls, hid: str, t: Mapping[str, Any], where: str) -> HardwareTier:
        return cls(
            id=hid,
            name=req_str(t, "name", where),
            memory_gb=req_float(t, "memory_gb", where),
            bandwidth_gbps=req_float(t, "bandwidth_gbps", where, minimum=0.001),
            compute_tflops=opt_float(t, "compute_tflops", where),
            price_usd=opt_decimal(t, "price_usd", where),
            idle_w=opt_float(t, "idle_w", where),
            load_w=opt_float(t, "load_w", where),
            backend=opt_str(t, "backend", where, "cuda"),
            source=req_str(t, "source", where),
            as_of=req_str(t, "as_of", where),
            notes=opt_str(t, "notes", where),
            rent_usd_per_hour=opt_decimal(t, "rent_usd_per_hour", where),
            rent_source=opt_str(t, "rent_source", where),
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
    def from_table(cls, mid: str, t: Mapping[str, Any], where: str) -> ModelSpec:
        open_w = t.get("open_weights", False)
        if not isinstance(open_w, bool):
            raise _fail(where, "open_weights", "true or false", open_w)
        return cls(
            id=mid,
            name=req_str(t, "name", where),
            open_weights=open_w,
            total_params_b=opt_float(t, "total_params_b", where),
            active_params_b=opt_float(t, "active_params_b", where),
            layers=opt_int(t, "layers", where),
            kv_heads=opt_int(t, "kv_heads", where),
            head_dim=opt_int(t, "head_dim", where),
            swe_bench_verified=opt_float(t, "swe_bench_verified", where),
            swe_bench_date=opt_str(t, "swe_bench_date", where),
            bash_only=opt_float(t, "bash_only", where),
            bash_only_date=opt_str(t, "bash_only_date", where),
            price_model=opt_str(t, "price_model", where),
            price_provider=opt_str(t, "price_provider", where),
            source=req_str(t, "source", where),
            as_of=req_str(t, "as_of", where),
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
