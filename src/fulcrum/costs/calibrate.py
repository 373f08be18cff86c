"""Fit the throughput model on measured decode rates and report the fit's error.

The CSV has the columns of the reference ``decode_calibration.csv``: ``hardware``,
``memory_bandwidth_GBps``, ``params_B``, ``active_params_B``, ``model_size_GB``, ``test``
(``tg*`` = decode, ``pp*`` = prefill), ``tokens_per_s`` and ``backend``. Decode rows without
a bandwidth are skipped.

The fit has few parameters on purpose (one efficiency per backend family and one shared
per-token overhead), chosen by a grid over the overhead with the median implied efficiency per
family, so it transfers to hardware outside the file; :func:`holdout_by_hardware` checks that.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fulcrum.costs.throughput import GB, ThroughputParams, fit_group, hardware_class
from fulcrum.errors import ConfigError
from fulcrum.textfiles import read_text

REQUIRED = (
    "hardware",
    "memory_bandwidth_GBps",
    "params_B",
    "active_params_B",
    "model_size_GB",
    "test",
    "tokens_per_s",
    "backend",
)
OVERHEAD_GRID = np.linspace(0.0, 0.005, 501)
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DecodeRows:
    hardware: list[str]
    family: npt.NDArray[np.str_]  # the fit group: backend family, ":class" when it has one
    params_b: Floats
    bandwidth: Floats  # bytes/s
    bytes_per_token: Floats
    tokens_per_s: Floats
    skipped: int

    def __len__(self) -> int:
        return len(self.hardware)

    def subset(self, mask: npt.NDArray[np.bool_]) -> DecodeRows:
        return DecodeRows(
            hardware=[h for h, keep in zip(self.hardware, mask, strict=True) if keep],
            family=self.family[mask],
            params_b=self.params_b[mask],
            bandwidth=self.bandwidth[mask],
            bytes_per_token=self.bytes_per_token[mask],
            tokens_per_s=self.tokens_per_s[mask],
            skipped=0,
        )


def _number(row: dict[str, str], key: str, path: Path, line: int) -> float:
    try:
        value = float(row[key])
    except (TypeError, ValueError):
        raise ConfigError(
            f"line {line}: expected a number, got {row.get(key)!r}", file=str(path), field=key
        ) from None
    if not 0 < value < math.inf:
        raise ConfigError(
            f"line {line}: expected a finite number > 0, got {row[key]!r}",
            file=str(path),
            field=key,
        )
    return value


def _read_csv(path: Path) -> list[dict[str, str]]:
    """The CSV's rows (UTF-8, a spreadsheet's byte-order mark dropped); every required column
    present, else a ConfigError naming the file."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""), restval="")
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(
            f"missing columns {missing}; required: {', '.join(REQUIRED)}", file=str(path)
        )
    return list(reader)


def read_decode_rows(path: Path) -> DecodeRows:
    """Decode rows of a calibration CSV; a missing column or bad number is a ConfigError."""
    rows = _read_csv(path)
    hw: list[str] = []
    fam: list[str] = []
    cols: list[tuple[float, float, float, float]] = []
    skipped = 0
    for line, row in enumerate(rows, start=2):
        if not row["test"].lower().startswith("tg"):
            continue
        if not row["memory_bandwidth_GBps"]:
            skipped += 1
            continue
        share = _number(row, "active_params_B", path, line) / _number(row, "params_B", path, line)
        size = _number(row, "model_size_GB", path, line) * GB * share
        bw = _number(row, "memory_bandwidth_GBps", path, line) * GB
        params_b = _number(row, "params_B", path, line)
        cols.append((bw, size, _number(row, "tokens_per_s", path, line), params_b))
        hw.append(row["hardware"])
        fam.append(fit_group(row["backend"], hardware_class(row["hardware"])))
    if not cols:
        raise ConfigError("no decode (tg*) rows with a bandwidth", file=str(path), field="test")
    arr = np.array(cols, dtype=np.float64)
    return DecodeRows(hw, np.array(fam), arr[:, 3], arr[:, 0], arr[:, 1], arr[:, 2], skipped)


def predict(params: ThroughputParams, rows: DecodeRows) -> Floats:
    eff = np.array([params.group_efficiency(str(f)) for f in rows.family])
    seconds = rows.bytes_per_token / (eff * rows.bandwidth) + params.overhead_s
    result: Floats = 1.0 / seconds
    return result


def abs_pct_errors(params: ThroughputParams, rows: DecodeRows) -> Floats:
    pred = predict(params, rows)
    errors: Floats = np.abs(pred - rows.tokens_per_s) / rows.tokens_per_s * 100.0
    return errors


def fit(rows: DecodeRows, base: ThroughputParams | None = None) -> ThroughputParams:
    """Grid over the overhead; per family, the median implied efficiency; keep the best MdAPE."""
    families = sorted(set(rows.family.tolist()))
    # time left for the bandwidth term at every overhead: (grid, rows)
    left = 1.0 / rows.tokens_per_s[None, :] - OVERHEAD_GRID[:, None]
    valid = (left > 0).all(axis=1)
    implied = rows.bytes_per_token[None, :] / (
        rows.bandwidth[None, :] * np.where(left > 0, left, 1)
    )
    eff = np.empty_like(implied)
    per_family: dict[str, Floats] = {}
    for fam in families:
        cols = rows.family == fam
        med = np.median(implied[:, cols], axis=1)
        per_family[fam] = med
        eff[:, cols] = med[:, None]
    pred = 1.0 / (
        rows.bytes_per_token[None, :] / (eff * rows.bandwidth[None, :]) + OVERHEAD_GRID[:, None]
    )
    mdape = np.median(np.abs(pred - rows.tokens_per_s) / rows.tokens_per_s, axis=1)
    mdape = np.where(valid, mdape, np.inf)
    best = int(np.argmin(mdape))
    pooled = float(np.median(implied[best]))
    moe = base.moe_factor if base else 0.78
    prefill = base.prefill_efficiency if base else 0.7
    return ThroughputParams(
        efficiency={fam: round(float(per_family[fam][best]), 4) for fam in families},
        default_efficiency=round(pooled, 4),
        overhead_s=round(float(OVERHEAD_GRID[best]), 6),
        moe_factor=moe,
        prefill_efficiency=prefill,
        fit={"decode_rows": len(rows), "mdape_pct": round(float(mdape[best]) * 100, 2)},
    )


def holdout_by_hardware(rows: DecodeRows) -> Floats:
    """Absolute % errors when each machine is predicted by a fit that never saw it (in the
    rows' order)."""
    names = np.array(rows.hardware)
    errors: Floats = np.empty(len(rows), dtype=np.float64)
    for name in sorted(set(rows.hardware)):
        test = names == name
        params = fit(rows.subset(~test))
        errors[test] = abs_pct_errors(params, rows.subset(test))
    return errors


def prefill_efficiencies(path: Path) -> Floats:
    """Implied prefill efficiency of every ``pp*`` row that has a ``compute_tflops`` value:
    measured tokens/s x 2 x active parameters / FLOPS. Empty when the column is absent."""
    out: list[float] = []
    for line, row in enumerate(_read_csv(path), start=2):
        if not row.get("compute_tflops") or not row["test"].lower().startswith("pp"):
            continue
        flops = _number(row, "compute_tflops", path, line) * 1e12
        active = _number(row, "active_params_B", path, line) * GB
        out.append(_number(row, "tokens_per_s", path, line) * 2 * active / flops)
    return np.array(out, dtype=np.float64)
