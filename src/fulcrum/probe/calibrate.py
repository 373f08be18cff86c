"""``probe --calibrate``: the machine's decode efficiency solved from a measured rate.

The model's decode step is ``bytes / (eff * moe * bandwidth) + overhead``; given the measured
tokens/s, ``eff`` for the machine's fit group is solved for and written as a full
:class:`ThroughputParams` file under ``probe/calibration/<hardware>.json``, with the machine,
model, measured rate, run id and date in its ``fit``. The probe's predictions for that
machine use it from then on, and ``fulcrum throughput --fit FILE`` reads it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fulcrum.costs.throughput import GB, ThroughputParams, default_params, fit_group
from fulcrum.errors import InputError
from fulcrum.probe.predict import Machine
from fulcrum.probe.store import save_calibration


def calibrate(m: Machine, decode_tps: float | None, run_id: str, date: str) -> Path:
    if not decode_tps or decode_tps <= 0:
        raise InputError("--calibrate: the run measured no decode rate")
    base = default_params()
    step = 1.0 / decode_tps - base.overhead_s
    if step <= 0:
        raise InputError(f"--calibrate: {decode_tps:.1f} tok/s is faster than the model allows")
    moe = base.moe_factor if m.work.is_moe else 1.0
    eff = m.work.bytes_per_token() / (step * m.tier.bandwidth_gbps * GB * moe)
    group = fit_group(m.tier.backend, m.hw_class)
    fit = {
        "machine": m.hardware,
        "group": group,
        "measured_decode_tokens_per_s": decode_tps,
        "run_id": run_id,
        "date": date,
    }
    params: ThroughputParams = replace(base, efficiency={**base.efficiency, group: eff}, fit=fit)
    return save_calibration(m.hardware, params)
