"""``decide --probe RUN``: a stored probe run's measured speed and goodput for its option.

The run (``fulcrum probe``, stored by id under the data dir's ``probe/``) is matched to one
local option: the option on the run's ``--hardware`` running its ``--model-id`` when the
run was compared with the model, else the option whose ``local_model`` is the model name
probed, else the only local option. That option's speed then rests on the run: the
measured single-stream decode tokens/s and the prefill rate fitted over prompt lengths
(where the run has one) replace the throughput model's in the call latency and the box
count, and the measured goodput (the most concurrent agents meeting the run's SLO) sets a
floor on the boxes (:mod:`fulcrum.costs.speed`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fulcrum.costs.labels import MEASURED, InputLabel
from fulcrum.costs.scenario import HardwareOption, Scenario
from fulcrum.costs.speed import MEASURED as MEASURED_KEY
from fulcrum.errors import InputError
from fulcrum.probe.store import load_run


def _match(sc: Scenario, run: dict[str, Any]) -> HardwareOption:
    local = [o for o in sc.options if o.local_model is not None and o.tier is not None]
    pred = run.get("prediction") or {}
    on_machine = [
        o for o in local
        if o.tier is not None and o.tier.id == pred.get("hardware")
        and o.local_model == pred.get("model_id")
    ]  # fmt: skip
    for hits in (on_machine, [o for o in local if o.local_model == run.get("model")]):
        if len(hits) == 1:
            return hits[0]
    if len(local) == 1:
        return local[0]
    names = ", ".join(o.name for o in local) or "none"
    raise InputError(
        f"--probe {run.get('run_id')}: matches no single local option (local options: "
        f"{names}); probe with --hardware and --model-id naming one"
    )


def _rates(run: dict[str, Any]) -> tuple[float, float | None, int]:
    result = run.get("result") or {}
    decode = (result.get("decode") or {}).get("tokens_per_s")
    if not isinstance(decode, int | float) or decode <= 0:
        raise InputError(f"--probe {run.get('run_id')}: the run has no decode rate")
    prefill = (result.get("prefill") or {}).get("tokens_per_s")
    good = result.get("goodput")
    return float(decode), prefill if isinstance(prefill, int | float) else None, int(good or 0)


def apply_probe(sc: Scenario, run_id: str) -> tuple[Scenario, InputLabel]:
    run = load_run(run_id)
    option = _match(sc, run)
    decode, prefill, goodput = _rates(run)
    measured = {"decode_tokens_per_s": decode, "prefill_tokens_per_s": prefill,
                "goodput_agents": goodput}  # fmt: skip
    changed = replace(option, table={**option.table, MEASURED_KEY: measured})
    options = tuple(changed if o is option else o for o in sc.options)
    slo = (run.get("result") or {}).get("slo") or {}
    prefill_text = "no prefill fit" if prefill is None else f"prefill {prefill:,.0f} tok/s"
    value = (
        f"decode {decode:,.1f} tok/s, {prefill_text}, goodput {goodput} concurrent agents "
        f"(SLO: first token within {slo.get('ttft_s', '?')} s, decode at least "
        f"{slo.get('min_decode_tps', '?')} tok/s)"
    )
    label = InputLabel(
        f"speed of {option.name}", MEASURED, value,
        f"probe run {run.get('run_id')} of {run.get('url')} ({run.get('model')})",
        None, str(run.get("date", "?")),
    )  # fmt: skip
    return replace(sc, options=options), label
