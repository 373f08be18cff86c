"""The calibration's error by model size class and hardware class.

One median hides where the model is least accurate: ``by_class`` breaks the absolute %
errors (in-sample and leave-one-hardware-out) down by model size (<= 10B, 10-40B, > 40B: the
70B class) and by the fit group of the machine (backend family, ``:datacenter`` for A100/H100
class GPUs), and crosses the two.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from fulcrum.costs.calibrate import DecodeRows

Floats = npt.NDArray[np.float64]
SIZE_CLASSES: tuple[tuple[float, str], ...] = (
    (10.0, "<=10B"),
    (40.0, "10-40B"),
    (float("inf"), ">40B"),
)


def size_class(params_b: float) -> str:
    for bound, label in SIZE_CLASSES:
        if params_b <= bound:
            return label
    return SIZE_CLASSES[-1][1]


def _row(label: str, mask: npt.NDArray[np.bool_], fitted: Floats, held: Floats) -> dict[str, Any]:
    return {
        "class": label,
        "rows": int(mask.sum()),
        "median_abs_pct_error": round(float(np.median(fitted[mask])), 2),
        "holdout_median_abs_pct_error": round(float(np.median(held[mask])), 2),
    }


def by_class(rows: DecodeRows, fitted: Floats, held: Floats) -> dict[str, list[dict[str, Any]]]:
    """Median errors per size class, per hardware class, and per (size, hardware) pair."""
    sizes = np.array([size_class(float(p)) for p in rows.params_b])
    groups = rows.family.astype(str)
    out: dict[str, list[dict[str, Any]]] = {"size": [], "hardware": [], "size_x_hardware": []}
    for _, label in SIZE_CLASSES:
        mask = sizes == label
        if mask.any():
            out["size"].append(_row(label, mask, fitted, held))
    for group in sorted(set(groups.tolist())):
        out["hardware"].append(_row(group, groups == group, fitted, held))
        for _, label in SIZE_CLASSES:
            mask = (groups == group) & (sizes == label)
            if mask.any():
                out["size_x_hardware"].append(_row(f"{label} on {group}", mask, fitted, held))
    return out


def render_lines(classes: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Plain text, one class a line, readable at 80 columns."""
    lines = ["error by class: rows, median abs % error (fitted / held-out hardware)"]
    for kind, title in (
        ("size", "model size"),
        ("hardware", "hardware"),
        ("size_x_hardware", "size x hardware"),
    ):
        lines.append(f"  by {title}:")
        for r in classes[kind]:
            lines.append(
                f"    {r['class']:<24} {r['rows']:>3} rows  {r['median_abs_pct_error']:>6.2f}% / "
                f"{r['holdout_median_abs_pct_error']:>6.2f}%"
            )
    return lines
