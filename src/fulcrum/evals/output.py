"""Eval results as a terminal table, JSON and an HTML section the report embeds.

The JSON document (``fulcrum eval stats --json``, ``--export FILE``) is what ``fulcrum
decide`` reads to use the measured gap instead of the score-based assumption::

    {
      "kind": "fulcrum.eval.results", "version": 1, "run_id": "...",
      "models": [{"model", "specs", "attempts", "passed", "pass_rate", "wilson_95": [lo, hi],
                  "mean_seconds", "input_tokens", "output_tokens", "statuses": {...},
                  "cost_usd": "0.0123" | null, "metered_calls",
                  "errors": 2}],          # ``error`` attempts, not in attempts or rates
      "measured_gap": {                       # present when two models are compared
        "candidate": {"model", "pass_rate"}, "reference": {"model", "pass_rate"},
        "gap": ref - cand, "gap_ci_95": [lo, hi], "n_specs", "mcnemar_p",
        "discordant": {"candidate_only", "reference_only"}, "min_detectable_gap", "warning"
      },
      "capability_tax": {                      # present when tax inputs are given
        "usd_per_month": "333.33", "usd_per_month_ci_95": ["..", ".."],
        "dispatches_per_month": "..", "rework_minutes": "..", "engineer_usd_per_hour": ".."
      }
    }

Rates are fractions in [0, 1]; money is a decimal string (USD).
"""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from rich import box
from rich.table import Table

from fulcrum.evals.summary import CapabilityTax, ModelSummary, PairSummary
from fulcrum.words import plural

KIND = "fulcrum.eval.results"


def to_json(
    run_id: str,
    models: list[ModelSummary],
    pair: PairSummary | None = None,
    tax: CapabilityTax | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": KIND, "version": 1, "run_id": run_id,
                           "models": [asdict(m) for m in models]}  # fmt: skip
    if pair is not None:
        doc["measured_gap"] = {
            "candidate": {"model": pair.candidate, "pass_rate": pair.candidate_rate},
            "reference": {"model": pair.reference, "pass_rate": pair.reference_rate},
            "gap": pair.gap,
            "gap_ci_95": list(pair.gap_ci_95),
            "n_specs": pair.n_specs,
            "mcnemar_p": pair.mcnemar_p,
            "discordant": {
                "candidate_only": pair.candidate_only,
                "reference_only": pair.reference_only,
            },
            "min_detectable_gap": pair.min_detectable_gap,
            "warning": pair.warning,
        }
    if tax is not None:
        doc["capability_tax"] = {
            "usd_per_month": str(tax.usd_per_month),
            "usd_per_month_ci_95": [str(v) for v in tax.usd_per_month_ci_95],
            "dispatches_per_month": str(tax.inputs.dispatches_per_month),
            "rework_minutes": str(tax.inputs.rework_minutes),
            "engineer_usd_per_hour": str(tax.inputs.usd_per_hour),
        }
    for m in doc["models"]:
        m["wilson_95"] = list(m["wilson_95"])
        m["cost_usd"] = None if m["cost_usd"] is None else str(m["cost_usd"])
    return doc


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _money(m: ModelSummary) -> str:
    if m.cost_usd is None:
        return "unknown" if m.metered_calls else "unmetered"
    return f"${m.cost_usd:,.4f}"


def _interval(lo: float, hi: float) -> str:
    return f"{100 * lo:.1f}–{_pct(hi)}"


# Short headers, compact cells, one space between columns: the table fits 80 columns with every
# figure on its row's line; only a long model name wraps, inside its own column.
COLUMNS = ("model", "passed", "rate", "95% CI", "s/att", "tokens in/out", "cost", "calls")


def models_table(models: list[ModelSummary]) -> Table:
    table = Table(title="Pass rates (Wilson 95% interval), seconds per attempt, metered cost",
                  box=box.SIMPLE_HEAD, padding=0, show_edge=False,
                  caption_justify="left")  # fmt: skip
    for col in COLUMNS:
        wrap = col == "model"
        table.add_column(col, justify="left" if wrap else "right", overflow="fold",
                         no_wrap=not wrap, min_width=None if wrap else len(col))  # fmt: skip
    for m in models:
        table.add_row(
            m.model, f"{m.passed}/{m.attempts}", _pct(m.pass_rate), _interval(*m.wilson_95),
            f"{m.mean_seconds:.1f}", f"{m.input_tokens:,}/{m.output_tokens:,}", _money(m),
            str(m.metered_calls),
        )  # fmt: skip
    notes = [f"{m.model}: {plural(m.errors, 'attempt')} errored, not counted "
             "(`fulcrum eval run` again retries them)" for m in models if m.errors]  # fmt: skip
    table.caption = "\n".join(notes) or None
    return table


def pair_lines(pair: PairSummary, tax: CapabilityTax | None) -> list[str]:
    lo, hi = pair.gap_ci_95
    lines = [
        f"{pair.reference} vs {pair.candidate} on {plural(pair.n_specs, 'spec')}: "
        f"{_pct(pair.reference_rate)} vs {_pct(pair.candidate_rate)}",
        f"gap {_pct(pair.gap)} (bootstrap 95% CI {_pct(lo)} to {_pct(hi)}); exact McNemar "
        f"p = {pair.mcnemar_p:.3f} ({plural(pair.reference_only, 'spec')} only {pair.reference} "
        "passes, "
        f"{pair.candidate_only} only {pair.candidate})",
        f"smallest gap this suite detects at 80% power: {_pct(pair.min_detectable_gap)}",
    ]
    if tax is not None:
        t_lo, t_hi = tax.usd_per_month_ci_95
        lines.append(
            f"capability tax: ${tax.usd_per_month:,}/month (95% CI ${t_lo:,} to ${t_hi:,})"
        )
    if pair.warning:
        lines.append(f"warning: {pair.warning}")
    return lines


def to_html(models: list[ModelSummary], pair: PairSummary | None, tax: CapabilityTax | None) -> str:
    """A self-contained ``<section>`` for the decision report."""
    rows = "".join(
        f"<tr><td>{html.escape(m.model)}</td><td>{m.passed}/{m.attempts}</td>"
        f"<td>{_pct(m.pass_rate)}</td><td>{_pct(m.wilson_95[0])} – {_pct(m.wilson_95[1])}</td>"
        f"<td>{m.mean_seconds:.1f}</td></tr>"
        for m in models
    )
    body = (
        '<section class="fulcrum-eval"><h2>Capability on the team\'s specs</h2>'
        "<table><thead><tr><th>model</th><th>passed</th><th>pass rate</th>"
        f"<th>Wilson 95%</th><th>s/attempt</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    if pair is not None:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in pair_lines(pair, tax))
        body += f"<ul>{items}</ul>"
    return body + "</section>"
