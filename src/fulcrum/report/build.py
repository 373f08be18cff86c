"""``fulcrum report``'s page: the decision, its charts, its inputs' labels, the measured data.

The decision is the one ``fulcrum decide`` makes with the same flags (``--eval-results``,
``--usage``, ``--probe``); the report adds what a reader needs to sign for it: the cumulative
cost curves with their break-even points, the cost against the number of agents, the Monte
Carlo spread, the tornado, and each input labelled measured or assumed. The ledger, eval,
usage and probe sections show their data when it exists and say "not measured yet" otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fulcrum.catalog import Catalog, load_catalog
from fulcrum.costs.decision import Decision, decide
from fulcrum.costs.labels import InputLabel, assumed_speeds, assumed_usage
from fulcrum.costs.measured import apply_measured_gaps, load_measured_gap
from fulcrum.costs.measured_usage import apply_measured_usage
from fulcrum.costs.montecarlo import run_monte_carlo
from fulcrum.costs.probe_inputs import apply_probe
from fulcrum.costs.scenario import Scenario, load_scenario
from fulcrum.costs.tornado import runner_up
from fulcrum.report import charts, page, series
from fulcrum.report.inputs import capability_label, catalog_labels
from fulcrum.report.sections import (
    Section,
    eval_section,
    ledger_section,
    probe_section,
    usage_section,
)


@dataclass(frozen=True, slots=True)
class ReportRequest:
    scenario: Path
    catalog_file: Path | None = None
    eval_results: Path | None = None
    usage_since: str | None = None  # None: the scenario's [api] usage
    probes: tuple[str, ...] = ()
    ledger_db: str | None = None  # None: the data dir's SQLite ledger
    draws: int | None = None
    share_target: float | None = None
    now: datetime | None = None  # None: the clock (the page's date, and what is overdue)


@dataclass(slots=True)
class Measured:
    scenario: Scenario
    labels: list[InputLabel] = field(default_factory=list)


def measured_scenario(req: ReportRequest, cat: Catalog) -> Measured:
    """The scenario on its measured inputs, with the usage and speed labels."""
    sc = load_scenario(req.scenario, cat)
    if req.eval_results is not None:
        sc = apply_measured_gaps(sc, [(load_measured_gap(req.eval_results), str(req.eval_results))])
    labels = [assumed_usage(sc)]
    if req.usage_since is not None:
        sc, label = apply_measured_usage(sc, cat, req.usage_since)
        labels = [label]
    speeds = []
    for run_id in req.probes:
        sc, label = apply_probe(sc, run_id)
        speeds.append(label)
    done = {x.name.removeprefix("speed of ") for x in speeds}
    return Measured(sc, labels + speeds + assumed_speeds(sc, done))


def _tornado(d: Decision, mc: dict[str, Any]) -> str:
    """The tornado, against an eligible runner-up only (an ineligible one's cost means nothing)."""
    runner = runner_up(d)
    if runner in d.eligible and runner != d.recommendation.name:
        return charts.tornado(mc["tornado"], mc["metric"])
    return (
        '<p class="missing" id="no-tornado">No tornado: no other eligible option to compare '
        f"{page.esc(d.recommendation.name)} with.</p>"
    )


def decision_charts(sc: Scenario, cat: Catalog, d: Decision, mc: dict[str, Any] | None) -> str:
    lines = series.cumulative_lines(sc, d)
    months = series.horizon_months(sc)
    parts = [charts.cumulative(lines, series.break_evens(lines, months), months)]
    parts.append(charts.agents(series.agents_sweep(sc, cat), sc.api.agents))
    if mc is not None:
        parts.append(charts.distribution(series.draws(sc, cat, d), mc["options"]))
        parts.append(_tornado(d, mc))
    else:
        parts.append(
            '<p class="missing">No [uncertainty] ranges in the scenario: '
            "no Monte Carlo, no tornado.</p>"
        )
    return "<h2>Cost over time, against agents, and its uncertainty</h2>" + "".join(parts)


def build_report(req: ReportRequest) -> str:
    """The whole page as one HTML string."""
    cat = load_catalog(req.catalog_file)
    m = measured_scenario(req, cat)
    sc = m.scenario
    d = decide(sc, cat)
    mc = run_monte_carlo(sc, cat, d, req.draws)
    body = d.as_dict()
    sections: list[Section] = [
        ledger_section(req.ledger_db, req.share_target),
        eval_section(req.eval_results),
        usage_section(cat, req.usage_since),
        probe_section(list(req.probes)),
    ]
    labels = m.labels + [x for s in sections for x in s.labels]
    cap = capability_label(d.capability_basis, any(s.key == "evals" and s.labels for s in sections))
    labels += ([cap] if cap else []) + catalog_labels(sc, cat)
    made = req.now or datetime.now(UTC)
    html = (
        f"<h1>{page.esc(d.scenario)}</h1><p>Decision report, {made:%Y-%m-%d %H:%M UTC}, scenario "
        f"<code>{page.esc(req.scenario.name)}</code>.</p>"
        + page.verdict(body, None if mc is None else mc["p_best_cheapest"], made.date())
        + page.options_table(body)
        + decision_charts(sc, cat, d, mc)
        + page.rules(body)
        + page.inputs_table(labels)
        + "".join(s.html() for s in sections)
    )
    return page.page(f"fulcrum report: {d.scenario}", html)
