"""The throughput model's prediction for a catalog machine and model, beside a measurement.

Computed as ``fulcrum throughput --hardware H --model M`` does: the catalog's bandwidth,
backend and compute with the model's quantized size, through :func:`costs.throughput.estimate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fulcrum.catalog import load_catalog
from fulcrum.costs.throughput import Workload, estimate, hardware_class, model_size_gb
from fulcrum.errors import InputError


def predict(
    hardware: str, model: str, quant: str = "Q4_K_M", catalog: Path | None = None
) -> dict[str, float | None]:
    cat = load_catalog(catalog)
    tier = cat.hardware_tier(hardware, where="--hardware")
    spec = cat.model(model, where="--model-id")
    bits = cat.quant(quant, where="--quant").bits_per_weight
    if spec.total_params_b is None:
        raise InputError(f"--model-id: {model!r} has no parameter count in the catalog")
    work = Workload(
        model_size_gb=model_size_gb(spec.total_params_b, bits),
        params_b=spec.total_params_b,
        active_params_b=spec.active_params_b or spec.total_params_b,
        kv_bytes_per_token=spec.kv_bytes_per_token() or 0.0,
    )
    est = estimate(
        work,
        tier.bandwidth_gbps,
        backend=tier.backend,
        compute_tflops=tier.compute_tflops,
        hw_class=hardware_class(tier.name),
    )
    return {
        "decode_tokens_per_s": est.decode_tokens_per_s,
        "prefill_tokens_per_s": est.prefill_tokens_per_s,
    }


def compare(predicted: dict[str, float | None], result: dict[str, Any]) -> dict[str, Any]:
    """Predicted vs measured per rate, with the error as (predicted - measured) / measured."""
    measured = {
        "decode_tokens_per_s": result["decode"]["tokens_per_s"],
        "prefill_tokens_per_s": result["prefill"]["tokens_per_s"],
    }
    out = {}
    for key, pred in predicted.items():
        meas = measured[key]
        err = None if pred is None or not meas else (pred - meas) / meas
        out[key] = {"predicted": pred, "measured": meas, "error": err}
    return out
