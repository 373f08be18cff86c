"""The decision the dashboard shows: the configured scenario's, with its cumulative-cost chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fulcrum.catalog import Catalog, load_catalog
from fulcrum.costs.decision import decide
from fulcrum.costs.scenario import load_scenario
from fulcrum.report import charts, series


def decision_card(scenario: Path, catalog: Catalog | None = None) -> dict[str, Any]:
    """JSON for ``/ui/decision.json``: recommendation, rules, flip signals, date, chart."""
    cat = catalog or load_catalog()
    sc = load_scenario(scenario, cat)
    d = decide(sc, cat)
    lines = series.cumulative_lines(sc, d)
    months = series.horizon_months(sc)
    body = d.as_dict()
    return {
        "status": "ready",
        "scenario": d.scenario,
        "file": scenario.name,
        "recommendation": body["recommendation"]["name"],
        "total_monthly": body["recommendation"]["total_monthly"],
        "reevaluate_on": body["reevaluate_on"],
        "rules": [r["text"] for r in body["rules_fired"]],
        "flip_signals": [
            {"text": s["text"], "met": s["met"], "evidence": s["evidence"]}
            for s in body["flip_signals"]
        ],
        "chart": charts.cumulative(lines, series.break_evens(lines, months), months),
    }
