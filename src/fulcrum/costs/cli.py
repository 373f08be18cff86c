"""``fulcrum decide``, ``fulcrum tco`` and ``fulcrum throughput [calibrate]``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console

from fulcrum.catalog import Catalog, load_catalog
from fulcrum.costs.calibrate import (
    abs_pct_errors,
    fit,
    holdout_by_hardware,
    prefill_efficiencies,
    read_decode_rows,
)
from fulcrum.costs.calibrate_report import by_class, render_lines
from fulcrum.costs.decide_cli import decide_cmd
from fulcrum.costs.evaluate import option_tco
from fulcrum.costs.fit import MemoryFit, memory_fit
from fulcrum.costs.render import render_tco
from fulcrum.costs.scenario import load_scenario
from fulcrum.costs.speed import option_speed
from fulcrum.costs.throughput import (
    Estimate,
    Workload,
    default_params,
    estimate,
    hardware_class,
    load_params,
    model_size_gb,
    model_workload,
)
from fulcrum.errors import InputError

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog", help="A TOML file adding or overriding catalog entries ($FULCRUM_CATALOG)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
FitFileOpt = Annotated[
    Path | None, typer.Option("--fit", help="Parameters from `throughput calibrate --write`.")
]
ScenarioArg = Annotated[Path, typer.Argument(help="A scenario TOML file (see examples/).")]


def _catalog(path: Path | None) -> Catalog:
    return load_catalog(path)


def tco_cmd(scenario: ScenarioArg, as_json: JsonOpt = False, catalog: CatalogOpt = None) -> None:
    """The cost breakdown of every hardware option over each horizon."""
    cat = _catalog(catalog)
    sc = load_scenario(scenario, cat)
    if not sc.options:
        raise InputError(f"{sc.path}: options: no [[options]] to cost; add at least one")
    rows = [option_tco(sc, opt, h) for h in sc.horizons for opt in sc.options]
    boxes = {}
    for opt in sc.options:
        speed = option_speed(sc, cat, opt)
        boxes[opt.name] = speed.boxes if speed else 1
    if as_json:
        body = [{**r.as_dict(), "boxes": boxes[r.name]} for r in rows]
        typer.echo(json.dumps({"scenario": sc.name, "options": body}, indent=2))
        return
    render_tco(Console(), f"{sc.name}: total cost of ownership", rows, boxes)


throughput_app = typer.Typer(
    help="Decode/prefill speed from bandwidth and compute; calibrate on measurements.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _workload_from_catalog(cat: Catalog, model: str, quant: str, context: int) -> Workload:
    spec = cat.model(model, where="--model")
    q = cat.quant(quant, where="--quant")
    if spec.total_params_b is None:
        raise InputError(f"--model: {model!r} has no parameter count in the catalog")
    return model_workload(spec, q.bits_per_weight, context)


def _need(value: float | None, flag: str) -> float:
    if value is None or value <= 0:
        raise InputError(f"{flag}: expected a number > 0 (or use --hardware/--model/--quant)")
    return value


@throughput_app.callback()
def throughput_cmd(  # noqa: PLR0917 - Typer maps parameters to flags
    ctx: typer.Context,
    hardware: Annotated[str | None, typer.Option(help="Catalog hardware id.")] = None,
    model: Annotated[str | None, typer.Option(help="Catalog model id.")] = None,
    quant: Annotated[str, typer.Option(help="Quantization (catalog quants).")] = "Q4_K_M",
    bandwidth_gbps: Annotated[float | None, typer.Option(help="Memory bandwidth, GB/s.")] = None,
    model_size_gb_: Annotated[
        float | None, typer.Option("--model-size-gb", help="Weights, GB.")
    ] = None,
    params_b: Annotated[float | None, typer.Option(help="Total parameters, billions.")] = None,
    active_params_b: Annotated[float | None, typer.Option(help="Active parameters (MoE).")] = None,
    compute_tflops: Annotated[float | None, typer.Option(help="Dense FP16 TFLOPS.")] = None,
    kv_bytes_per_token: Annotated[float, typer.Option(help="KV-cache bytes per token.")] = 0.0,
    backend: Annotated[str, typer.Option(help="cuda, metal, rocm, vulkan...")] = "cuda",
    context_tokens: Annotated[int, typer.Option(help="Context length already in the cache.")] = 0,
    prompt_tokens: Annotated[int, typer.Option(help="Prompt tokens of the call.")] = 4000,
    output_tokens: Annotated[int, typer.Option(help="Output tokens of the call.")] = 500,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
    fit_file: FitFileOpt = None,
) -> None:
    """Estimate decode and prefill tokens/s and the latency of one call."""
    if ctx.invoked_subcommand is not None:
        return
    fit: MemoryFit | None = None
    hw_class = ""
    if hardware or model:
        cat = _catalog(catalog)
        tier = cat.hardware_tier(hardware or "", where="--hardware")
        work = _workload_from_catalog(cat, model or "", quant, context_tokens)
        bw, backend, compute_tflops = tier.bandwidth_gbps, tier.backend, tier.compute_tflops
        spec, bits = cat.models[model or ""], cat.quants[quant].bits_per_weight
        fit = memory_fit(spec, quant, bits, tier.memory_gb, context_tokens)
        hw_class = hardware_class(tier.name)
    else:
        total_b = _need(params_b, "--params-b")
        size = model_size_gb_ if model_size_gb_ is not None else model_size_gb(total_b, 4.89)
        work = Workload(
            _need(size, "--model-size-gb"),
            total_b,
            active_params_b or total_b,
            context_tokens,
            kv_bytes_per_token,
        )
        bw = _need(bandwidth_gbps, "--bandwidth-gbps")
    fitted = None if fit_file is None else load_params(fit_file)
    est = estimate(
        work, bw, backend=backend, compute_tflops=compute_tflops, params=fitted, hw_class=hw_class
    )
    if fit is not None and not fit.fits:
        _echo({**fit.as_detail(), "why": fit.evidence()}, as_json)
        return
    _echo(
        {**(fit.as_detail() if fit else {}), **_speed(est, prompt_tokens, output_tokens)}, as_json
    )


def _speed(est: Estimate, prompt_tokens: int, output_tokens: int) -> dict[str, Any]:
    prefill = est.prefill_tokens_per_s
    return {
        "decode_tokens_per_s": round(est.decode_tokens_per_s, 2),
        "prefill_tokens_per_s": None if prefill is None else round(prefill, 1),
        "decode_ceiling_tokens_per_s": round(est.decode_ceiling_tokens_per_s, 2),
        "bytes_per_token": round(est.bytes_per_token),
        "call": {
            "prompt_tokens": prompt_tokens,
            "output_tokens": output_tokens,
            "latency_s": round(est.call_latency_s(prompt_tokens, output_tokens), 2),
        },
    }


def _echo(out: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        typer.echo(f"{key}: {value}")


@throughput_app.command("calibrate")
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
        write.write_text(params.to_json())
    if as_json:
        typer.echo(json.dumps({**result, "by_class": classes}, indent=2))
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")
    for line in render_lines(classes):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the root app."""
    app.command("decide")(decide_cmd)
    app.command("tco")(tco_cmd)
    app.add_typer(throughput_app, name="throughput")
