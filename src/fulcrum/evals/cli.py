"""Commands of the evals capability: ``fulcrum eval new|check|import|run|stats|scripted``."""

from __future__ import annotations

import hashlib
import json
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fulcrum.aio import stop_requested
from fulcrum.costs.measured import BIG
from fulcrum.errors import InputError
from fulcrum.evals.agents import Agent, BuiltinAgent, CommandAgent, Task
from fulcrum.evals.chat import DEFAULT_KEY, Endpoint
from fulcrum.evals.check import check_suite
from fulcrum.evals.importers import IMPORTERS, get_importer
from fulcrum.evals.runner import RunPlan, run_plan
from fulcrum.evals.sandbox import describe_capabilities
from fulcrum.evals.scaffold import new_spec
from fulcrum.evals.scripted import ScriptedModel, load_outcomes, serve_in_thread
from fulcrum.evals.spec import load_suite
from fulcrum.evals.store import EvalStore
from fulcrum.evals.summary import TaxInputs
from fulcrum.evals.views import pick_run, render_stats
from fulcrum.settings import Paths, pick
from fulcrum.tables import to_decimal
from fulcrum.words import plural

DEFAULT_BASE_URL = "http://127.0.0.1:8787/v1"
AGENT_CMD_HELP = (
    "External agent command template, run in each attempt's copy with the base URL and model "
    "in its environment; placeholders {instruction} {instruction_file} {workdir} {model} "
    "{base_url}. E.g. 'claude -p {instruction} --model {model} --allowedTools Bash,Edit,Write' "
    "or 'aider --yes --message-file {instruction_file} --model openai/{model}'."
)
app = typer.Typer(help="Capability evals on the team's own specs, paired statistics, the tax.",
                  no_args_is_help=True)  # fmt: skip
console = Console()


def register(root: typer.Typer) -> None:
    """Add ``fulcrum eval`` to the root app."""
    root.add_typer(app, name="eval")


@app.command("new")
def new_cmd(
    name: Annotated[str, typer.Argument(help="Directory name of the new spec.")],
    parent: Annotated[Path, typer.Option("--dir", help="Suite directory to create it in.")] = Path(
        "."
    ),
) -> None:
    """Scaffold a spec (spec.toml, files/, tests/, solution/)."""
    root = new_spec(parent, name)
    console.print(f"created {root}")


@app.command("check")
def check_cmd(
    suite: Annotated[Path, typer.Argument(help="A suite directory (or one spec).")],
    workers: Annotated[int, typer.Option(min=1, help="Specs checked in parallel.")] = 2,
) -> None:
    """Validate a suite: tests fail on the starting files, pass on the reference solution."""
    specs = load_suite(suite)
    started = time.monotonic()
    results = check_suite(specs, workers=workers)
    bad = [r for r in results if not r.ok]
    for r in bad:
        console.print(f"[red]FAIL[/red] {r.spec}: {r.detail}")
    missing = sum(r.solution_passes is None for r in results)
    elapsed = time.monotonic() - started
    console.print(
        f"{len(results) - len(bad)}/{len(results)} specs ok "
        f"({missing} without a reference) in {elapsed:.1f} s"
    )
    if bad:
        raise typer.Exit(1)


@app.command("import")
def import_cmd(
    kind: Annotated[str, typer.Argument(help=f"Importer: {', '.join(sorted(IMPORTERS))}.")],
    source: Annotated[Path, typer.Argument(help="The exercise directory or git spec TOML.")],
    dest: Annotated[Path, typer.Argument(help="The suite directory to write the spec into.")],
) -> None:
    """Import a spec from another layout."""
    root = get_importer(kind).import_spec(source, dest)
    console.print(f"imported {root}")


def _run_id(suite: Path, models: list[str], epochs: int, agent: str) -> str:
    key = json.dumps([str(suite.resolve()), models, epochs, agent])
    return f"{suite.resolve().name}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _task_context(task: Task, files: dict[str, str]) -> str:
    from fulcrum.context.evalcontext import task_context  # noqa: PLC0415 - only with --context

    return task_context(task.workdir, task.spec.instruction, files)


@app.command(
    "run",
    epilog="Example: fulcrum eval run examples/specs -m local-model -m frontier-model "
    "--base-url http://127.0.0.1:8787/v1",
)
def run_cmd(  # noqa: PLR0917
    suite: Annotated[Path, typer.Argument(help="A suite directory.")],
    models: Annotated[list[str], typer.Option("--model", "-m", help="Model name (repeatable).")],
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL (the gateway).")
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="Env var holding the key.")
    ] = "FULCRUM_EVAL_API_KEY",
    epochs: Annotated[int, typer.Option(min=1, help="Repeats per spec and model.")] = 1,
    workers: Annotated[int, typer.Option(min=1, help="Attempts in parallel.")] = 2,
    tries: Annotated[
        int, typer.Option(min=1, help="Built-in agent: tries with test feedback.")
    ] = 3,
    agent_cmd: Annotated[str | None, typer.Option(help=AGENT_CMD_HELP)] = None,
    run_id: Annotated[
        str | None, typer.Option(help="Run id (default: derived; same = resume).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    context: Annotated[
        bool,
        typer.Option(
            "--context/--no-context",
            help="Built-in agent: add retrieved code and the installed packages' APIs "
            "to the first prompt (the context tools), to measure their uplift.",
        ),
    ] = False,
) -> None:
    """Run every spec through each model; resumable under the same run id."""
    specs = load_suite(suite)
    url = pick(base_url, os.environ.get("FULCRUM_EVAL_BASE_URL"), None, DEFAULT_BASE_URL)
    key = os.environ.get(api_key_env, DEFAULT_KEY)
    builtin = BuiltinAgent(tries=tries, context=_task_context if context else None)
    agent: Agent = CommandAgent(agent_cmd) if agent_cmd else builtin
    key_agent = f"builtin:{tries}" + (":context" if context else "")
    rid = run_id or _run_id(suite, models, epochs, agent_cmd or key_agent)
    plan = RunPlan(rid, specs, [Endpoint(url, m, key) for m in models], agent,
                   epochs=epochs, workers=workers)  # fmt: skip
    store = EvalStore(Paths.build().ledger_sqlite)
    try:
        summary = run_plan(plan, store, suite=str(suite), progress=progress)
    finally:
        store.close()
    console.print(f"run {rid}: {plural(summary.ran, 'attempt')} run, {summary.skipped} already "
                  f"recorded, {summary.seconds:.1f} s")  # fmt: skip
    console.print(f"sandbox: {describe_capabilities()}")
    if summary.errors:
        console.print(f"{plural(summary.errors, 'error')}: the model or agent could not be reached "
                      "(not results); run the same command again to retry them")  # fmt: skip
        raise typer.Exit(1)


def _amount(value: str, flag: str) -> Decimal:
    """A tax input flag: a finite number in [0, 1e9] (what ``decide --eval-results`` reads)."""
    number = to_decimal(value)
    if number is None or not 0 <= number <= BIG:
        raise InputError(f"{flag}: expected a number in [0, {BIG:f}], got {value!r}", param=flag)
    return number


def _tax_inputs(dispatches: str | None, rework_minutes: str, rate: str) -> TaxInputs | None:
    minutes, usd = _amount(rework_minutes, "--rework-minutes"), _amount(rate, "--rate")
    if dispatches is None:
        return None
    return TaxInputs(_amount(dispatches, "--dispatches"), minutes, usd)


@app.command(
    "stats",
    epilog="Example: fulcrum eval stats --candidate local-model --reference frontier-model "
    "--dispatches 3000 --export eval.json",
)
def stats_cmd(  # noqa: PLR0917
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the latest run).")] = None,
    candidate: Annotated[str | None, typer.Option(help="The local model of the pair.")] = None,
    reference: Annotated[str | None, typer.Option(help="The frontier model of the pair.")] = None,
    dispatches: Annotated[
        str | None,
        typer.Option(metavar="<number>", help="Agent dispatches per month (for the tax)."),
    ] = None,
    rework_minutes: Annotated[
        str, typer.Option(metavar="<number>", help="Engineer minutes per failed dispatch.")
    ] = "10",
    rate: Annotated[str, typer.Option(metavar="<number>", help="Engineer $/hour.")] = "100",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    html: Annotated[Path | None, typer.Option(help="Write the HTML section to this file.")] = None,
    export: Annotated[
        Path | None, typer.Option(help="Write the JSON for `fulcrum decide`.")
    ] = None,
) -> None:
    """Pass rates, paired statistics and the capability tax of a run."""
    tax = _tax_inputs(dispatches, rework_minutes, rate)
    store = EvalStore.recorded(Paths.build().ledger_sqlite)
    try:
        rid = pick_run(run_id, [r[0] for r in store.runs()])
        records = store.attempts(rid)
        costs = store.ledger_costs(rid)
    finally:
        store.close()
    render_stats(rid, records, candidate, reference, tax, console=console, as_json=as_json,
                 html=html, export=export, costs=costs)  # fmt: skip


@app.command("scripted")
def scripted_cmd(
    suite: Annotated[Path, typer.Argument(help="The suite the scripted model knows.")],
    outcomes: Annotated[Path, typer.Option(help="JSON {model: {spec_id: true|false}}.")],
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1.")] = 8790,
) -> None:
    """Serve the deterministic scripted model (OpenAI-compatible) until interrupted."""
    model = ScriptedModel(load_suite(suite), load_outcomes(outcomes))
    stop = stop_requested()
    with serve_in_thread(model, port) as url:
        console.print(f"scripted model at {url} (Ctrl-C to stop)")
        stop.wait()
