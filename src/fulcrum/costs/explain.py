"""``fulcrum decide --explain``: every default the decision rests on, and its source.

A default is listed as *used* when the scenario does not set the field itself; each names the
seed figure (or the assumption) behind it, so a reader can tell an input from a guess.
"""

from __future__ import annotations

from fulcrum.costs.scenario import Scenario

# (section, field, default, where the default comes from)
DEFAULTS: tuple[tuple[str, str, str, str], ...] = (
    ("scenario", "days_per_month", "30", "seed 003: '$39.60/day x 30 = $1,188/month'"),
    ("scenario", "re_evaluate_days", "90", "seed 003: 're-evaluate every three to six months'"),
    ("options", "duty", "0.25", "assumption: a quarter of the day at load (seed 003 power range)"),
    ("options", "ops_hours_per_month", "0 (flagged)", "seed 003: 5-10 engineer-hours/month"),
    ("options", "uplift", "0 (flagged)", "seed 003: all-in 15-30% above amortization"),
    ("options", "quant", "Q4_K_M", "seed 003: '70B Q4' throughout"),
    ("hybrid", "local_share", "0.65", "seed 000: a router keeping 60-70% of traffic local"),
    ("hybrid", "capability_tax_factor", "0.25", "assumption: routed-local work is the easy part"),
    ("capability", "mapping", "linear", "seed 003: 'a seven-point drop ~ nine percent more'"),
    ("concurrency", "calls_per_agent_hour", "12", "assumption: one agent call every 5 minutes"),
    ("concurrency", "prompt_tokens", "4000", "assumption: a typical agent call"),
    ("concurrency", "output_tokens", "500", "seed 003: 'a 500-token response'"),
    ("concurrency", "context_tokens", "8000", "assumption: KV cache already held per call"),
    ("concurrency", "target_latency_s", "120", "assumption: seed 003 calls 3 minutes unusable"),
)
RULES: tuple[tuple[str, str], ...] = (
    ("few-agents: < 3 agents stay on the API", "seed 003 decision framework"),
    ("under-five: local from 5 agents", "seed 003 decision framework"),
    ("wake-filter-first: > $200/month of filter calls", "seed 003 wake-filter pattern"),
    ("flip signals: 78% open model, 32B at ~70, 1 TB < $10K, API x2", "seed 003 flip signals"),
)


def _is_set(sc: Scenario, section: str, field: str) -> bool:
    if section == "options":
        return bool(sc.options) and all(field in o.table for o in sc.options)
    table = sc.section(section) or {}
    return field in table


def explain_lines(sc: Scenario) -> list[str]:
    """One line per default: used or set, its value and its source."""
    lines = ["Defaults (used = the scenario does not set it):"]
    for section, field, value, source in DEFAULTS:
        state = "set " if _is_set(sc, section, field) else "used"
        lines.append(f"  {state} {section}.{field} = {value}: {source}")
    lines.append("Rules and their sources:")
    lines += [f"  {rule}: {source}" for rule, source in RULES]
    return lines
