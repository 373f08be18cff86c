"""``fulcrum decide``: the recommendation, a sweep, a saved record, a comparison, a date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from fulcrum.catalog import Catalog, load_catalog
from fulcrum.costs.compare import compare, ics
from fulcrum.costs.decision import Decision, decide
from fulcrum.costs.explain import explain_lines
from fulcrum.costs.labels import InputLabel, assumed_speeds, assumed_usage
from fulcrum.costs.measured import apply_measured_gaps, load_measured_gap
from fulcrum.costs.measured_usage import DEFAULT_SINCE, apply_measured_usage
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.probe_inputs import apply_probe
from fulcrum.costs.render import render_decision
from fulcrum.costs.render_sweep import render_sweep
from fulcrum.costs.saved import load_record, record, save
from fulcrum.costs.scenario import Scenario, load_scenario
from fulcrum.costs.sweep import parse_sweep, run_sweep
from fulcrum.costs.throughput import ThroughputParams, load_params
from fulcrum.costs.uncertainty import check_draws
from fulcrum.errors import InputError
from fulcrum.textfiles import check_outputs

ScenarioArg = Annotated[Path, typer.Argument(help="A scenario TOML file (see examples/).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CatalogOpt = Annotated[
    Path | None, typer.Option(help="A TOML file adding or overriding catalog entries.")
]
DrawsOpt = Annotated[int | None, typer.Option(help="Monte Carlo draws (default from scenario).")]
EvalOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--eval-results",
        help="JSON from `fulcrum eval stats --export`: use the measured pass-rate gap "
        "instead of the benchmark-score mapping for the capability tax. Repeat it for "
        "several candidates: each gap applies to the option running that model.",
    ),
]
SweepOpt = Annotated[
    str | None,
    typer.Option(
        help="KEY=LOW..HIGH[:STEP], e.g. agents=1..20: every option's cost along one "
        "input and where they cross."
    ),
]
CompareOpt = Annotated[
    Path | None, typer.Option("--compare", help="A saved decision (JSON): say what changed.")
]
IcsOpt = Annotated[
    Path | None, typer.Option("--ics", help="Write the re-evaluation date as a .ics file.")
]
NoSaveOpt = Annotated[
    bool, typer.Option("--no-save", help="Do not save this decision under the data dir.")
]
FitOpt = Annotated[
    Path | None, typer.Option(help="Throughput parameters from `throughput calibrate --write`.")
]
UsageOpt = Annotated[
    bool,
    typer.Option(
        "--usage", help="Use the imported usage (`fulcrum usage import`) instead of \\[api]'s."
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="With --usage: the window, 90d or a day (YYYY-MM-DD) [90d]."),
]
UsageSourceOpt = Annotated[
    str | None, typer.Option("--usage-source", help="With --usage: only this import source.")
]
ProbeOpt = Annotated[
    list[str] | None,
    typer.Option("--probe", help="A stored `fulcrum probe` run id: its option's speed."),
]
ExplainOpt = Annotated[
    bool, typer.Option(help="List the defaults used and the seed figures behind them.")
]


def decide_cmd(  # noqa: PLR0917 - Typer maps parameters to flags
    scenario: ScenarioArg,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
    draws: DrawsOpt = None,
    eval_results: EvalOpt = None,
    sweep: SweepOpt = None,
    compare_to: CompareOpt = None,
    ics_file: IcsOpt = None,
    no_save: NoSaveOpt = False,
    fit: FitOpt = None,
    explain: ExplainOpt = False,
    usage: UsageOpt = False,
    since: SinceOpt = None,
    usage_source: UsageSourceOpt = None,
    probe: ProbeOpt = None,
) -> None:
    """Recommend API, hybrid, local or a cheaper API tier, with the numbers behind it."""
    check_draws(draws)
    _check_together(usage=usage, usage_source=usage_source, since=since, sweep=sweep,
                    compare=compare_to, ics=ics_file, explain=explain)  # fmt: skip
    cat = load_catalog(catalog)
    params = None if fit is None else load_params(fit)
    if sweep is not None:
        _sweep(scenario, cat, sweep, as_json, params, measured=usage or bool(probe))
        return
    previous = None if compare_to is None else load_record(compare_to)
    sc = load_scenario(scenario, cat)
    if eval_results:
        sc = apply_measured_gaps(sc, [(load_measured_gap(p), str(p)) for p in eval_results])
    window = (since or DEFAULT_SINCE, usage_source) if usage else None
    sc, labels = _measured(sc, cat, window, probe or [])
    decision = decide(sc, cat, params)
    mc = run_monte_carlo(sc, cat, decision, draws)
    rec = record(sc, cat, decision, catalog)
    extra: dict[str, Any] = {"inputs": [x.as_dict() for x in labels]}
    if not no_save:
        extra["saved_to"] = str(save(rec))
    if previous is not None:
        extra["changes"] = compare(previous, rec, compare_to)
    if ics_file is not None:
        extra["ics"] = _write_ics(ics_file, _calendar(decision, scenario), scenario, catalog)
    if explain:
        extra["explain"] = explain_lines(sc)
    if as_json:
        typer.echo(json.dumps({**decision.as_dict(), "uncertainty": mc, **extra}, indent=2))
        return
    console = Console()
    render_decision(console, decision, mc)
    console.print("[bold]Inputs[/bold]")
    for label in labels:
        console.print(f"- {escape(label.line())}", highlight=False)
    for line in extra.get("explain", []):
        console.print(escape(line))
    if "changes" in extra:
        console.print("[bold]Since the saved decision[/bold]")
    for line in extra.get("changes", []):
        console.print(f"- {escape(line)}")
    if "saved_to" in extra:
        console.print(f"Saved to {escape(extra['saved_to'])} (use with --compare)")


def _measured(
    sc: Scenario, cat: Catalog, usage: tuple[str, str | None] | None, probes: list[str]
) -> tuple[Scenario, list[InputLabel]]:
    """The scenario on its measured inputs, and a label for every input: measured or assumed."""
    labels = [assumed_usage(sc)]
    if usage is not None:
        sc, label = apply_measured_usage(sc, cat, usage[0], usage[1])
        labels = [label]
    speeds = []
    for run_id in probes:
        sc, label = apply_probe(sc, run_id)
        speeds.append(label)
    measured = {x.name.removeprefix("speed of ") for x in speeds}
    return sc, labels + speeds + assumed_speeds(sc, measured)


def _write_ics(path: Path, text: str, scenario: Path, catalog: Path | None) -> str:
    check_outputs({"SCENARIO": scenario, "--catalog": catalog}, {"--ics": path})
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"--ics: cannot write {path}: {exc.strerror}") from None
    return str(path)


def _calendar(d: Decision, scenario: Path) -> str:
    return ics(
        f"Re-evaluate: {d.scenario}",
        f"fulcrum decide {scenario} --compare <the saved decision>\n"
        f"Recommended on saving: {d.recommendation.name}",
        d.reevaluate_on.isoformat(),
        f"{scenario.stem}-{d.reevaluate_on.isoformat()}",
    )


def _sweep(
    path: Path,
    cat: Catalog,
    spec: str,
    as_json: bool,
    params: ThroughputParams | None,
    *,
    measured: bool = False,
) -> None:
    if measured:
        raise InputError("--sweep: runs on the scenario file's inputs; drop --usage/--probe")
    result = run_sweep(path, cat, parse_sweep(spec), params)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    render_sweep(Console(), result)


def _check_together(
    *,
    usage: bool,
    usage_source: str | None,
    since: str | None,
    sweep: str | None,
    **sweepless: Any,
) -> None:
    """Flags that mean nothing without another, or beside ``--sweep``: an error, never
    silently ignored."""
    if not usage and (usage_source is not None or since is not None):  # even at its default
        flag = "--usage-source" if usage_source is not None else "--since"
        raise InputError(f"{flag}: only with --usage (the imported usage it selects)")
    given = [f"--{name}" for name, value in sweepless.items() if value]
    if sweep is not None and given:
        raise InputError(f"{given[0]}: not with --sweep (a sweep prints its table only)")
