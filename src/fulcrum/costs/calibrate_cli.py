"""``fulcrum throughput calibrate``: fit the decode model on a CSV of measured rates."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from fulcrum.costs.calibrate import (
    abs_pct_errors,
    fit,
    holdout_by_hardware,
    prefill_efficiencies,
    read_decode_rows,
)
from fulcrum.costs.calibrate_report import by_class, render_lines
from fulcrum.costs.throughput import default_params
from fulcrum.errors import InputError

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def calibrate_cmd(
    csv_file: Annotated[
        Path, typer.Argument(help="CSV with the columns of decode_calibration.csv.")
    ],
    write: Annotated[
        Path | None, typer.Option(help="Write the fitted parameters (JSON) here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit the decode model on a CSV and print its median absolute % error."""
    rows = read_decode_rows(csv_file)
    params = fit(rows, default_params())
    prefill = prefill_efficiencies(csv_file)
    if len(prefill):
        params = replace(params, prefill_efficiency=round(float(np.median(prefill)), 4))
    errors = abs_pct_errors(params, rows)
    holdout = holdout_by_hardware(rows) if len(set(rows.hardware)) > 2 else errors
    result = {
        "decode_rows": len(rows),
        "skipped_rows_without_bandwidth": rows.skipped,
        "median_abs_pct_error": round(float(np.median(errors)), 2),
        "holdout_by_hardware_median_abs_pct_error": round(float(np.median(holdout)), 2),
        "efficiency": params.efficiency,
        "default_efficiency": params.default_efficiency,
        "overhead_ms": round(params.overhead_s * 1000, 3),
        "prefill_rows_with_compute": len(prefill),
        "prefill_efficiency": params.prefill_efficiency,
    }
    classes = by_class(rows, errors, holdout)
    if write is not None:
        try:
            write.write_text(params.to_json(), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--write: cannot write {write}: {exc.strerror}") from None
    if as_json:
        typer.echo(json.dumps({**result, "by_class": classes}, indent=2))
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")
    for line in render_lines(classes):
        typer.echo(line)
