"""``fulcrum decide --explain``: every default the decision rests on, and its source.

A default is listed as *used* when the scenario does not set the field itself, and as *set*
with the scenario's own value (the one the decision uses) when it does; each names the seed
figure (or the assumption) behind the default, so a reader can tell an input from a guess.
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
    ("hybrid", "capability_tax_factor", "0.25", "assumption: at 65% local; share ** p elsewhere"),
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


def _value(sc: Scenario, section: str, field: str, default: str) -> tuple[str, str]:
    """("set", the scenario's value) when it sets the field, else ("used", the default);
    an options field set on some options lists each option's value."""
    if section != "options":
        table = sc.section(section) or {}
        return ("set ", _shown(table[field])) if field in table else ("used", default)
    values = [(o.name, o.table.get(field)) for o in sc.options]
    given = {_shown(v) for _, v in values if v is not None}
    if not given:
        return "used", default
    if len(given) == 1 and all(v is not None for _, v in values):
        return "set ", given.pop()
    return "set ", "; ".join(f"{n}: {default if v is None else _shown(v)}" for n, v in values)


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def explain_lines(sc: Scenario) -> list[str]:
    """One line per default: used or set, the value the decision uses, and its source."""
    lines = ["Defaults (used = the scenario does not set it; set = its value is used):"]
    for section, field, default, source in DEFAULTS:
        state, value = _value(sc, section, field, default)
        lines.append(f"  {state} {section}.{field} = {value}: {source}")
    lines.append("Rules and their sources:")
    lines += [f"  {rule}: {source}" for rule, source in RULES]
    return lines
