"""Put a run's summaries on the terminal, in JSON, in HTML and in the export for ``decide``."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from fulcrum.errors import InputError, did_you_mean
from fulcrum.evals.output import models_table, pair_lines, to_html, to_json
from fulcrum.evals.store import NO_RUNS, AttemptRecord
from fulcrum.evals.summary import (
    CapabilityTax,
    Costs,
    ModelSummary,
    PairSummary,
    TaxInputs,
    pair_tax,
    summarize_model,
    summarize_pair,
)
from fulcrum.textfiles import write_output

SHOWN_RUNS = 5


def pick_run(run_id: str | None, known: list[str]) -> str:
    """``run_id`` when recorded, else the latest run (``known`` is newest first)."""
    if not known:
        raise InputError(NO_RUNS)
    if run_id is None:
        return known[0]
    if run_id not in known:
        more = len(known) - SHOWN_RUNS
        shown = ", ".join(known[:SHOWN_RUNS]) + (f" (and {more} more)" if more > 0 else "")
        raise InputError(f"RUN_ID: unknown run {run_id!r}; {did_you_mean(run_id, known)}"
                         f"recorded runs, newest first: {shown}", param="RUN_ID")  # fmt: skip
    return run_id


def pick_pair(
    models: list[ModelSummary],
    candidate: str | None,
    reference: str | None,
    *,
    for_tax: bool = False,
) -> tuple[str, str] | None:
    """The (candidate, reference) pair: as given, or with two models the weaker is the candidate.

    ``None`` (models only) when no flag asks for a pair; a flag that cannot be honoured (one
    side missing with other than two models, a one-model run, the tax without a pair) is an
    :class:`InputError` naming the flag and what is accepted."""
    names = [m.model for m in models]
    for given, flag in ((candidate, "--candidate"), (reference, "--reference")):
        if given is not None and given not in names:
            raise InputError(f"{flag}: model {given!r} is not in this run; accepted: {names}")
    if candidate and reference:
        if candidate == reference:
            raise InputError(f"--reference: the candidate itself ({candidate!r}); accepted: "
                             f"{_others(names, candidate)}")  # fmt: skip
        return candidate, reference
    if len(models) != 2:
        if candidate or reference or for_tax:
            raise _no_pair(names, candidate, reference)
        return None
    weak, strong = sorted(models, key=lambda m: (m.pass_rate, m.model))
    if candidate:
        return candidate, next(n for n in names if n != candidate)
    if reference:
        return next(n for n in names if n != reference), reference
    return weak.model, strong.model


def _others(names: list[str], given: str | None) -> str:
    others = [n for n in names if n != given]
    return ", ".join(others) if others else f"none (this run has only {names[0]!r})"


def _no_pair(names: list[str], candidate: str | None, reference: str | None) -> InputError:
    """Why no pair can be formed, for a run of other than two models."""
    if len(names) < 2:
        flag = "--candidate" if candidate else "--reference" if reference else "--dispatches"
        return InputError(f"{flag}: a pair needs two models; this run has only {names[0]!r}",
                          param=flag)  # fmt: skip
    if not (candidate or reference):
        return InputError(f"--candidate and --reference: required for the tax with {len(names)} "
                          f"models; accepted: {', '.join(names)}", param="--candidate")  # fmt: skip
    missing = "--reference" if candidate else "--candidate"
    return InputError(f"{missing}: required with {len(names)} models; accepted: "
                      f"{_others(names, candidate or reference)}", param=missing)  # fmt: skip


def summaries(
    records: list[AttemptRecord],
    candidate: str | None = None,
    reference: str | None = None,
    tax_inputs: TaxInputs | None = None,
    *,
    run_id: str = "",
    costs: Costs | None = None,
) -> tuple[list[ModelSummary], PairSummary | None, CapabilityTax | None]:
    if not records:
        raise InputError("this run has no recorded attempts")
    names = sorted({r.model for r in records})
    models = [summarize_model(records, m, run_id, costs) for m in names]
    chosen = pick_pair(models, candidate, reference, for_tax=tax_inputs is not None)
    pair = summarize_pair(records, *chosen) if chosen else None
    tax = pair_tax(pair, tax_inputs) if pair and tax_inputs else None
    return models, pair, tax


def render_stats(
    run_id: str,
    records: list[AttemptRecord],
    candidate: str | None,
    reference: str | None,
    tax_inputs: TaxInputs | None,
    *,
    console: Console,
    costs: Costs | None = None,
    as_json: bool = False,
    html: Path | None = None,
    export: Path | None = None,
) -> None:
    models, pair, tax = summaries(
        records, candidate, reference, tax_inputs, run_id=run_id, costs=costs
    )
    doc = to_json(run_id, models, pair, tax)
    if export is not None:
        write_output("--export", export, json.dumps(doc, indent=2) + "\n")
    if html is not None:
        write_output("--html", html, to_html(models, pair, tax) + "\n")
    if as_json:
        console.print_json(json.dumps(doc))
        return
    console.print(models_table(models))
    for line in pair_lines(pair, tax) if pair else []:
        console.print(line, highlight=False)
