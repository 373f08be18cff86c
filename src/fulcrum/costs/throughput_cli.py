"""``fulcrum throughput`` and ``fulcrum throughput calibrate``.

The machine comes from ``--hardware`` (a catalog id) or ``--bandwidth-gbps``; the model from
``--model`` (a catalog id, at ``--quant``) or ``--params-b``. A machine flag given with
``--hardware`` (``--bandwidth-gbps``, ``--compute-tflops``, ``--backend``) wins over the
catalog's figure; a model flag with ``--model`` is refused (the memory fit reads the catalog's
model, so an override would make the two disagree). Every number is checked against its
range, so no NaN or infinity reaches the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from fulcrum.catalog import Catalog, HardwareTier, load_catalog
from fulcrum.costs.calibrate_cli import JsonOpt, calibrate_cmd
from fulcrum.costs.fit import memory_fit
from fulcrum.costs.throughput import (
    BACKEND_FAMILIES,
    Estimate,
    Workload,
    estimate,
    hardware_class,
    load_params,
    model_size_gb,
    model_workload,
)
from fulcrum.errors import InputError
from fulcrum.tables import flag_number

BACKENDS = tuple(name for name, _ in BACKEND_FAMILIES)
MIN_SIZE, MAX_SIZE = 0.001, 100_000.0  # GB/s, GB, billions of parameters, TFLOPS
MAX_KV_BYTES = 1e8
MAX_TOKENS = 10_000_000
BW = "--bandwidth-gbps"
MODEL_FLAGS = ("--model-size-gb", "--params-b", "--active-params-b", "--kv-bytes-per-token")
CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog", help="A TOML file adding or overriding catalog entries ($FULCRUM_CATALOG)."
    ),
]
FitFileOpt = Annotated[
    Path | None, typer.Option("--fit", help="Parameters from `throughput calibrate --write`.")
]

throughput_app = typer.Typer(
    help="Decode/prefill speed from bandwidth and compute; calibrate on measurements.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@dataclass(frozen=True, slots=True)
class Flags:
    """The command's flags, checked against their ranges and against each other."""

    hardware: str | None
    model: str | None
    quant: str
    numbers: dict[str, float | None]  # flag -> value, None when not given
    backend: str | None
    tokens: tuple[int, int, int]  # context, prompt, output

    def check(self) -> Flags:
        for flag, value in self.numbers.items():
            kv = flag == "--kv-bytes-per-token"
            if value is not None:
                flag_number(flag, value, *((0, MAX_KV_BYTES) if kv else (MIN_SIZE, MAX_SIZE)))
        names = ("--context-tokens", "--prompt-tokens", "--output-tokens")
        for flag, count in zip(names, self.tokens, strict=True):
            if not 0 <= count <= MAX_TOKENS:
                accepted = f"a whole number in [0, {MAX_TOKENS}]"
                raise InputError(f"{flag}: expected {accepted}, got {count}")
        if self.backend is not None and self.backend.lower() not in BACKENDS:
            accepted = ", ".join(BACKENDS)
            raise InputError(f"--backend: expected one of {accepted}, got {self.backend!r}")
        given = [f for f in MODEL_FLAGS if self.numbers[f] is not None]
        if self.model is not None and given:
            raise InputError(
                f"{given[0]}: not with --model (the catalog gives the model's size); use one"
            )
        if self.model is not None and self.hardware is None and self.numbers[BW] is None:
            raise InputError(
                "--model: --hardware is required (a catalog hardware id), or give --bandwidth-gbps"
            )
        return self

    def number(self, flag: str) -> float | None:
        return self.numbers[flag]


def _need(value: float | None, flag: str, instead: str) -> float:
    if value is None:
        accepted = f"a number in [{MIN_SIZE:g}, {MAX_SIZE:g}]"
        raise InputError(f"{flag}: is required; expected {accepted} (or use {instead})")
    return value


def _machine(cat: Catalog, f: Flags) -> tuple[float, str, float | None, HardwareTier | None]:
    """Bandwidth, backend and compute: each flag given, else the catalog tier's figure."""
    bw, compute = f.number(BW), f.number("--compute-tflops")
    if f.hardware is None:
        return _need(bw, BW, "--hardware"), f.backend or "cuda", compute, None
    tier = cat.hardware_tier(f.hardware, where="--hardware")
    bw = tier.bandwidth_gbps if bw is None else bw
    compute = tier.compute_tflops if compute is None else compute
    return bw, f.backend or tier.backend, compute, tier


def _workload(cat: Catalog, f: Flags) -> Workload:
    bits = cat.quant(f.quant, where="--quant").bits_per_weight
    if f.model is not None:
        spec = cat.model(f.model, where="--model")
        if spec.total_params_b is None:
            raise InputError(f"--model: {f.model!r} has no parameter count in the catalog")
        return model_workload(spec, bits, f.tokens[0])
    total = _need(f.number("--params-b"), "--params-b", "--model")
    active = f.number("--active-params-b") or total
    if active > total:
        raise InputError(
            f"--active-params-b: expected a number in [{MIN_SIZE:g}, {total:g}] "
            f"(at most --params-b), got {active:g}"
        )
    size = f.number("--model-size-gb") or model_size_gb(total, bits)
    return Workload(size, total, active, f.tokens[0], f.number("--kv-bytes-per-token") or 0.0)


@throughput_app.callback()
def throughput_cmd(  # noqa: PLR0917 - Typer maps parameters to flags
    ctx: typer.Context,
    hardware: Annotated[str | None, typer.Option(help="Catalog hardware id.")] = None,
    model: Annotated[str | None, typer.Option(help="Catalog model id.")] = None,
    quant: Annotated[str, typer.Option(help="Quantization (catalog quants).")] = "Q4_K_M",
    bandwidth_gbps: Annotated[
        float | None, typer.Option(help="Memory bandwidth, GB/s (wins over --hardware's).")
    ] = None,
    model_size_gb_: Annotated[
        float | None, typer.Option("--model-size-gb", help="Weights, GB.")
    ] = None,
    params_b: Annotated[float | None, typer.Option(help="Total parameters, billions.")] = None,
    active_params_b: Annotated[float | None, typer.Option(help="Active parameters (MoE).")] = None,
    compute_tflops: Annotated[
        float | None, typer.Option(help="Dense FP16 TFLOPS (wins over --hardware's).")
    ] = None,
    kv_bytes_per_token: Annotated[
        float | None, typer.Option(help="KV-cache bytes per token (default 0).")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help=f"One of {', '.join(BACKENDS)}; default: --hardware's, else cuda."),
    ] = None,
    context_tokens: Annotated[int, typer.Option(help="Context length already in the cache.")] = 0,
    prompt_tokens: Annotated[int, typer.Option(help="Prompt tokens of the call.")] = 4000,
    output_tokens: Annotated[int, typer.Option(help="Output tokens of the call.")] = 500,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
    fit_file: FitFileOpt = None,
) -> None:
    """Estimate decode and prefill tokens/s and the latency of one call; flags win over
    the catalog's figures for --hardware."""
    if ctx.invoked_subcommand is not None:
        return
    values = (bandwidth_gbps, compute_tflops, model_size_gb_, params_b, active_params_b)
    flags = (BW, "--compute-tflops", *MODEL_FLAGS)
    numbers = dict(zip(flags, (*values, kv_bytes_per_token), strict=True))
    tokens = (context_tokens, prompt_tokens, output_tokens)
    f = Flags(hardware, model, quant, numbers, backend, tokens).check()
    cat = load_catalog(catalog)
    bw, family, compute, tier = _machine(cat, f)
    work = _workload(cat, f)
    fitted = None if fit_file is None else load_params(fit_file)
    hw_class = "" if tier is None else hardware_class(tier.name)
    est = estimate(
        work, bw, backend=family, compute_tflops=compute, params=fitted, hw_class=hw_class
    )
    out: dict[str, Any] = {}
    if tier is not None and model is not None:
        bits = cat.quants[quant].bits_per_weight
        memory = memory_fit(cat.models[model], quant, bits, tier.memory_gb, context_tokens)
        if not memory.fits:
            _echo({**memory.as_detail(), "why": memory.evidence()}, as_json)
            return
        out = memory.as_detail()
    _echo({**out, **_speed(est, prompt_tokens, output_tokens)}, as_json)


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
            # without a compute figure the prompt's reading is unknown: not in latency_s
            **({"latency_excludes": "prefill (give --compute-tflops)"}
               if prefill is None and prompt_tokens else {}),
        },
    }  # fmt: skip


def _echo(out: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    for key, value in out.items():
        typer.echo(f"{key}: {value}")


throughput_app.command("calibrate")(calibrate_cmd)
