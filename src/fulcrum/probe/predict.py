"""The throughput model's prediction for a catalog machine and model, beside a measurement.

Computed as ``fulcrum throughput --hardware H --model M`` does: the catalog's bandwidth,
backend and compute with the model's quantized size, through :func:`costs.throughput.estimate`,
with the machine's calibration from ``probe --calibrate`` when one is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fulcrum.catalog import HardwareTier, load_catalog
from fulcrum.costs.throughput import (
    ThroughputParams,
    Workload,
    estimate,
    hardware_class,
    model_workload,
)
from fulcrum.errors import InputError
from fulcrum.probe.store import load_calibration


@dataclass(frozen=True, slots=True)
class Machine:
    hardware: str
    work_id: str
    tier: HardwareTier
    work: Workload

    @property
    def hw_class(self) -> str:
        return hardware_class(self.tier.name)


def machine(hardware: str, model: str, quant: str, catalog: Path | None) -> Machine:
    cat = load_catalog(catalog)
    tier = cat.hardware_tier(hardware, where="--hardware")
    spec = cat.model(model, where="--model-id")
    bits = cat.quant(quant, where="--quant").bits_per_weight
    if spec.total_params_b is None:
        raise InputError(f"--model-id: {model!r} has no parameter count in the catalog")
    work = model_workload(spec, bits)
    return Machine(hardware, model, tier, work)


def predict(m: Machine, params: ThroughputParams | None = None) -> dict[str, float | None]:
    params = params or load_calibration(m.hardware)
    est = estimate(
        m.work,
        m.tier.bandwidth_gbps,
        backend=m.tier.backend,
        compute_tflops=m.tier.compute_tflops,
        params=params,
        hw_class=m.hw_class,
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
