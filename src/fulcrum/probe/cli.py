"""``fulcrum probe URL``: measure an endpoint, store the run, compare with the model."""

from __future__ import annotations

import asyncio
import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import aiohttp
import typer

from fulcrum.errors import InputError, Unavailable
from fulcrum.probe.calibrate import calibrate
from fulcrum.probe.client import Sample, Target
from fulcrum.probe.predict import Machine, compare, machine, predict
from fulcrum.probe.render import render, render_list
from fulcrum.probe.run import Plan, Prober
from fulcrum.probe.stats import Slo, summarize
from fulcrum.probe.store import list_runs, new_run_id, save_run
from fulcrum.probe.wire import APIS
from fulcrum.progress import stderr_progress
from fulcrum.urls import http_url, redact_url

DEFAULT_QUANT = "Q4_K_M"

MaxPromptTokens = Annotated[
    int,
    typer.Option(
        min=1, help="Longest prefill prompt; four lengths halving down from it are timed."
    ),
]
PromptTokens = Annotated[int, typer.Option(min=1, help="Prompt of each concurrency request.")]
OutputTokens = Annotated[
    int, typer.Option(min=1, help="Tokens asked of each decode and concurrency request.")
]
MaxConcurrency = Annotated[
    int, typer.Option(min=1, help="Highest concurrency level; levels double from 1 up to it.")
]
Repeats = Annotated[int, typer.Option(min=1, help="Requests per prefill length and for decode.")]
Rounds = Annotated[int, typer.Option(min=1, help="Requests each client sends at each level.")]
Warmup = Annotated[
    int, typer.Option(min=0, help="Untimed requests first (they also size the tokens per word).")
]
Seed = Annotated[int, typer.Option(help="Seed of the generated prompts.")]


def _measure(target: Target, plan: Plan) -> list[Sample]:
    with stderr_progress() as bar:
        task = bar.add_task("warmup", total=plan.total_requests())

        def tick(phase: str, done: int) -> None:
            bar.update(task, completed=done, description=phase)

        try:
            return asyncio.run(Prober(target, plan, tick).run())
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            reason = exc or type(exc).__name__
            raise Unavailable(f"{redact_url(target.url)}: probe failed: {reason}") from None


def _machine(
    hardware: str | None, model_id: str | None, quant: str | None, catalog: Path | None, cal: bool
) -> Machine | None:
    if not hardware and not model_id and not cal:
        given = "--quant" if quant is not None else "--catalog" if catalog is not None else None
        if given is not None:  # it would be ignored: they describe the machine compared
            raise InputError(f"{given}: only with --hardware and --model-id")
        return None
    if not (hardware and model_id):
        raise InputError("--hardware and --model-id: give both to compare or --calibrate")
    return machine(hardware, model_id, quant or DEFAULT_QUANT, catalog)


def _prediction(m: Machine | None, quant: str | None, result: Any) -> dict[str, Any] | None:
    if m is None:
        return None
    rates = compare(predict(m), result)
    quant = quant or DEFAULT_QUANT
    return {"hardware": m.hardware, "model_id": m.work_id, "quant": quant, "rates": rates}


def _slo(ttft_ms: float, min_decode_tps: float) -> Slo:
    for flag, value in (("--ttft-ms", ttft_ms), ("--min-decode-tps", min_decode_tps)):
        if not math.isfinite(value) or value <= 0:
            raise InputError(f"{flag}: expected a number above 0, got {value}")
    return Slo(ttft_ms / 1000.0, min_decode_tps)


def _api_key(given: str, env_name: str | None) -> str:
    """``--api-key``, else the value of ``--api-key-env NAME``; the key itself is never shown."""
    if env_name is None:
        return given
    if given:
        raise InputError("--api-key and --api-key-env: give one of them")
    value = os.environ.get(env_name, "")
    if not value:
        raise InputError(f"--api-key-env: the environment variable {env_name} is not set")
    return value


def probe_cmd(  # noqa: PLR0917 - Typer maps parameters to flags
    url: Annotated[str | None, typer.Argument(help="Base URL, e.g. http://127.0.0.1:8080")] = None,
    model: Annotated[str, typer.Option(help="Model name sent upstream.")] = "default",
    api: Annotated[str, typer.Option(help="Wire format: " + ", ".join(APIS))] = "openai",
    api_key: Annotated[str, typer.Option(help="Key sent upstream, if any.")] = "",
    api_key_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the key (never printed).")
    ] = None,
    max_prompt_tokens: MaxPromptTokens = 4096,
    prompt_tokens: PromptTokens = 512,
    output_tokens: OutputTokens = 64,
    max_concurrency: MaxConcurrency = 8,
    repeats: Repeats = 3,
    rounds: Rounds = 3,
    warmup: Warmup = 2,
    seed: Seed = 0,
    ttft_ms: Annotated[float, typer.Option(help="SLO: time to first token, ms.")] = 2000.0,
    min_decode_tps: Annotated[float, typer.Option(help="SLO: decode tokens/s.")] = 10.0,
    hardware: Annotated[str | None, typer.Option(help="Catalog hardware id.")] = None,
    model_id: Annotated[str | None, typer.Option(help="Catalog model id.")] = None,
    quant: Annotated[str | None, typer.Option(help="Quantization (default Q4_K_M).")] = None,
    catalog: Annotated[Path | None, typer.Option(help="Extra catalog TOML.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON with every sample.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List stored runs.")] = False,
    cal: Annotated[
        bool, typer.Option("--calibrate", help="Store the machine's measured efficiency.")
    ] = False,
) -> None:
    """Measure prefill, decode, concurrency and goodput of an endpoint; store the run."""
    if list_:
        runs = list_runs()
        typer.echo(json.dumps(runs, indent=2) if as_json else "\n".join(render_list(runs)))
        return
    if url is None:
        raise InputError("URL: give the endpoint to probe (or --list)")
    url = http_url(url, "URL")
    slo = _slo(ttft_ms, min_decode_tps)
    if api not in APIS:
        raise InputError(f"--api: {api!r} is not one of {', '.join(APIS)}")
    mach = _machine(hardware, model_id, quant, catalog, cal)
    plan = Plan(
        max_prompt_tokens, 4, prompt_tokens, output_tokens, 2, max_concurrency,
        repeats, rounds, warmup, seed,
    )  # fmt: skip
    key = _api_key(api_key, api_key_env)
    samples = _measure(Target(url, model, APIS[api], key), plan)
    result = summarize(samples, slo)
    run_id, date = new_run_id(), datetime.now(UTC).isoformat(timespec="seconds")
    run = {"run_id": run_id, "date": date, "url": redact_url(url), "model": model, "api": api,
           "plan": {"prompt_lengths": plan.prompt_lengths(), "levels": plan.levels(),
                    "seed": seed},
           "result": result, "prediction": _prediction(mach, quant, result),
           "samples": [s.as_dict() for s in samples]}  # fmt: skip
    save_run(run)
    if cal and mach is not None:
        path = calibrate(mach, result["decode"]["tokens_per_s"], run_id, date)
        run["calibration"] = str(path)
        typer.echo(f"calibration written: {path}", err=True)
    typer.echo(json.dumps(run, indent=2) if as_json else "\n".join(render(run)))


def register(app: typer.Typer) -> None:
    example = (
        "Example: fulcrum probe http://127.0.0.1:8080 --model qwen3-coder "
        "--max-concurrency 16 --hardware rtx-5090 --model-id qwen3-coder-30b-a3b"
    )
    app.command("probe", epilog=example)(probe_cmd)
